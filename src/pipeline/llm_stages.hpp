// The stages of `assay run` that ask a model (ARCHITECTURE.md "The LLM stages"), one file each
// under src/pipeline/stages/: new problems (Self-Instruct and Evol-Instruct), sampled solutions
// with model-written tests chosen by agreement (CodeT), realistic bugs, refactorings, and
// Reflexion traces. Each asks the model in one concurrent batch per round through the driver,
// treats every reply as untrusted text, runs everything it keeps in the jail, and records what
// it asked, what came back and what ran.
//
// Every request's seed is derived from --seed and what the request is for (stage, problem,
// index, step), and every reply is cached by the hash of its full request: the same command on
// the same database gives the same rows, with or without the server.
#pragma once

#include "pipeline/stages/bugfix.hpp"
#include "pipeline/stages/bugs.hpp"
#include "pipeline/stages/context.hpp"
#include "pipeline/stages/instruct.hpp"
#include "pipeline/stages/refactor.hpp"
#include "pipeline/stages/reflexion.hpp"
#include "pipeline/stages/solve.hpp"
