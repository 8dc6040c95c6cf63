package githubemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// zeroSHA is git's null object id: as update-ref's old value it means "the
// ref must not exist yet".
const zeroSHA = "0000000000000000000000000000000000000000"

// bareRepo is one bare repository on disk driven through git's plumbing, so
// that every object the emulator serves is a real git object.
type bareRepo struct {
	dir string
}

type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	return fmt.Sprintf("git %s: %v: %s", strings.Join(e.args, " "), e.err, strings.TrimSpace(e.stderr))
}

func (e *gitError) Unwrap() error { return e.err }

// exitCode is the exit status of a failed git, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func initBare(ctx context.Context, dir, branch string) (*bareRepo, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	r := &bareRepo{dir: dir}
	if _, err := r.run(ctx, nil, nil, "init", "--bare", "--quiet", "--initial-branch="+branch, dir); err != nil {
		return nil, err
	}
	return r, nil
}

// run runs git against the repository, isolated from the user's and the
// system's configuration.
func (r *bareRepo) run(ctx context.Context, stdin []byte, env []string, args ...string) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	full := args
	if len(args) == 0 || args[0] != "init" {
		full = append([]string{"--git-dir", r.dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"LC_ALL=C",
	)
	cmd.Env = append(cmd.Env, env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &gitError{args: args, stderr: stderr.String(), err: err}
	}
	return stdout.Bytes(), nil
}

func (r *bareRepo) runString(ctx context.Context, args ...string) (string, error) {
	out, err := r.run(ctx, nil, nil, args...)
	return strings.TrimSpace(string(out)), err
}
