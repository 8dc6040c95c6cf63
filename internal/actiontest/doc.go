// Package actiontest holds the tests that pin the repository's Action files
// to DESIGN §2: action.yml's inputs and outputs, the Dockerfile's stages, and
// the example workflows. It has no code of its own.
package actiontest
