package workspace

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SafeEnv returns the variables that make git trust dir (and only dir) as
// safe.directory for a git process given them, on top of env (the rest of
// the variables the caller adds to the process environment, as in
// gitcli.Runner.Env). Entries of git's environment configuration already in
// the process environment or in env are kept: the new ones are numbered
// after them. dir is made absolute and, when it is a symbolic link or lies
// under one, given in its resolved form too, since git compares the path it
// found the repository at.
func SafeEnv(dir string, env []string) []string {
	dirs := safeDirs(dir)
	base := configCount(append(os.Environ(), env...))
	out := make([]string, 0, 1+2*len(dirs))
	for i, d := range dirs {
		n := strconv.Itoa(base + i)
		out = append(out, "GIT_CONFIG_KEY_"+n+"=safe.directory", "GIT_CONFIG_VALUE_"+n+"="+d)
	}
	return append(out, "GIT_CONFIG_COUNT="+strconv.Itoa(base+len(dirs)))
}

// safeDirs is dir as git may see it: absolute and clean (git compares the
// strings, and a trailing slash does not match), then resolved.
func safeDirs(dir string) []string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	dirs := []string{abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		dirs = append(dirs, real)
	}
	return dirs
}

// configCount is the GIT_CONFIG_COUNT in force in env (the last one set
// wins, as exec does), 0 when there is none or it is no count git accepts.
func configCount(env []string) int {
	n := 0
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GIT_CONFIG_COUNT="); ok {
			c, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || c < 0 {
				c = 0
			}
			n = c
		}
	}
	return n
}
