package workspace

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/gittest"
)

// origin is a bare repository with history and tags, as GitHub holds it.
type origin struct {
	dir     string
	commits int
	tags    []string
	env     []string // hermetic git environment (HOME, no system config)
	vars    []string // its hermetic part, for Checkout.Env
}

func newOrigin(t *testing.T) *origin {
	t.Helper()
	r := gittest.New(t, map[string]string{"a.txt": "a\n"})
	r.Git("tag", "v0.1.0")
	for i, msg := range []string{"feat: one", "fix: two", "feat: three"} {
		r.CommitFiles(msg, map[string]string{"a.txt": strings.Repeat("a", i+2) + "\n"})
	}
	r.Git("tag", "-a", "-m", "v0.2.0", "v0.2.0")
	r.CommitFiles("feat: four", map[string]string{"b.txt": "b\n"})
	o := &origin{dir: filepath.Join(t.TempDir(), "origin.git"), commits: r.Count("HEAD"), tags: []string{"v0.1.0", "v0.2.0"}, env: r.Env, vars: r.Vars}
	git(t, o.env, "", "clone", "-q", "--bare", r.Dir, o.dir)
	return o
}

// clone clones the origin into a new directory with extra clone options, as
// actions/checkout would (file:// so that --depth is honoured), and stores
// a credential the way actions/checkout does.
func (o *origin) clone(t *testing.T, opts ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "workspace")
	args := append(append([]string{"clone", "-q"}, opts...), "file://"+o.dir, dir)
	git(t, o.env, "", args...)
	git(t, o.env, dir, "config", "--local", "http.https://github.com/.extraheader", "AUTHORIZATION: basic "+fakeCredential)
	return dir
}

// fakeCredential stands for the base64 token actions/checkout stores.
const fakeCredential = "eC1hY2Nlc3MtdG9rZW46Z2hzX2Zha2VTZWNyZXRUb2tlbjEyMw=="

func git(t *testing.T, env []string, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func count(t *testing.T, env []string, dir string) int {
	t.Helper()
	return len(strings.Fields(git(t, env, dir, "rev-list", "HEAD")))
}

func TestPrepare(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	for _, tc := range []struct {
		name   string
		opts   []string                                     // clone options
		edit   func(t *testing.T, env []string, dir string) // after the clone
		want   []string                                     // log lines
		errHas []string                                     // a BadInput with these, or success
	}{
		{
			name: "shallow without tags, as actions/checkout's defaults",
			opts: []string{"--depth", "1", "--no-tags"},
			want: []string{LogShallow},
		},
		{
			name: "shallow with tags",
			opts: []string{"--depth", "2"},
			want: []string{LogShallow},
		},
		{
			name: "complete with tags: nothing fetched (origin is gone)",
			edit: func(t *testing.T, env []string, dir string) { git(t, env, dir, "remote", "remove", "origin") },
		},
		{
			name: "complete without tags",
			opts: []string{"--no-tags"},
			want: []string{LogNoTags},
		},
		{
			name:   "shallow whose origin is gone",
			opts:   []string{"--depth", "1", "--no-tags"},
			edit:   func(t *testing.T, env []string, dir string) { git(t, env, dir, "remote", "remove", "origin") },
			want:   []string{LogShallow},
			errHas: []string{"could not fetch the history of the shallow checkout (", "'origin' does not appear to be a git repository", "); add `fetch-depth: 0` to the actions/checkout step"},
		},
		{
			name: "shallow whose origin repository was deleted",
			opts: []string{"--depth", "1", "--no-tags"},
			edit: func(t *testing.T, env []string, dir string) {
				git(t, env, dir, "remote", "set-url", "origin", "file://"+filepath.Join(t.TempDir(), "gone.git"))
			},
			want:   []string{LogShallow},
			errHas: []string{"could not fetch the history of the shallow checkout (", "gone.git", "fetch-depth: 0"},
		},
		{
			name:   "complete without tags whose origin is gone",
			opts:   []string{"--no-tags"},
			edit:   func(t *testing.T, env []string, dir string) { git(t, env, dir, "remote", "remove", "origin") },
			want:   []string{LogNoTags},
			errHas: []string{"could not fetch the tags of the checkout (", "fetch-depth: 0"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := o.clone(t, tc.opts...)
			if tc.edit != nil {
				tc.edit(t, o.env, dir)
			}
			var logged []string
			c := Open(dir, o.vars)
			err := c.Prepare(context.Background(), func(s string) { logged = append(logged, s) })
			if strings.Join(logged, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("log %q, want %q", logged, tc.want)
			}
			if tc.errHas != nil {
				var fe *failure.Error
				if !errors.As(err, &fe) || fe.Kind != failure.BadInput {
					t.Fatalf("err %T %v, want a BadInput *failure.Error", err, err)
				}
				for _, s := range tc.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "fatal:") {
					t.Errorf("error %q is not one clean line", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if got := git(t, o.env, dir, "rev-parse", "--is-shallow-repository"); got != "false" {
				t.Errorf("still shallow: %s", got)
			}
			if got := count(t, o.env, dir); got != o.commits {
				t.Errorf("%d commits after Prepare, origin has %d", got, o.commits)
			}
			if got := strings.Fields(git(t, o.env, dir, "tag", "--list")); strings.Join(got, " ") != strings.Join(o.tags, " ") {
				t.Errorf("tags %q, want %q", got, o.tags)
			}
		})
	}
}

// TestPrepareKeepsCredentialsOut: whatever git prints about a failed fetch,
// the error shows neither the token in origin's URL nor the extraheader.
func TestPrepareKeepsCredentialsOut(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	for name, url := range map[string]string{
		// git echoes the path: a credential that is also in the path must
		// still not show.
		"extraheader echoed": "file:///nonexistent/" + fakeCredential + "/repo.git",
		// A token in the URL; port 1 on loopback refuses at once.
		"token in the URL": "http://x-access-token:ghs_urlSecret123@127.0.0.1:1/o/r.git",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := o.clone(t, "--depth", "1", "--no-tags")
			git(t, o.env, dir, "remote", "set-url", "origin", url)
			var logged []string
			err := Open(dir, o.vars).Prepare(context.Background(), func(s string) { logged = append(logged, s) })
			if err == nil {
				t.Fatal("Prepare succeeded")
			}
			all := err.Error() + "\n" + errors.Unwrap(err).Error() + "\n" + strings.Join(logged, "\n")
			for _, secret := range []string{fakeCredential, "ghs_urlSecret123", "x-access-token"} {
				if strings.Contains(all, secret) {
					t.Errorf("%q shows %q", all, secret)
				}
			}
			if !strings.Contains(err.Error(), "fetch-depth: 0") {
				t.Errorf("error %q lacks the hint", err)
			}
		})
	}
}

func TestPrepareNotAClone(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	dir := t.TempDir()
	env := append(gittest.Vars(home), "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
	err := Open(dir, env).Prepare(context.Background(), nil)
	var fe *failure.Error
	if !errors.As(err, &fe) || fe.Kind != failure.BadInput || !strings.Contains(err.Error(), "add an actions/checkout step") {
		t.Errorf("not a clone: %T %v", err, err)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"unable to access 'https://x-access-token:ghs_abc@github.com/o/r/': 403", "unable to access 'https://[redacted]@github.com/o/r/': 403"},
		{"fetch from https://user@example.com/r.git", "fetch from https://[redacted]@example.com/r.git"},
		{"Authorization: Basic eHh4Onl5eQ==", "Authorization: [redacted]"},
		{"AUTHORIZATION: bearer ghs_tok sent", "AUTHORIZATION: [redacted] sent"},
		{"the key SECRETVALUE leaked", "the key [redacted] leaked"},
		{"mail me at a@b.c", "mail me at a@b.c"},
		{"'origin' does not appear to be a git repository", "'origin' does not appear to be a git repository"},
	} {
		if got := Redact(tc.in, []string{"SECRETVALUE", "", "ab"}); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
