package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

// leakSecret is the token an attacker wants printed: it sits in a file
// outside the repository that a committed link points at.
const leakSecret = "ghp_SECRETSECRET"

const leakRunbook = "# Runbook\n\n## STAGE\n\n- check the stage dashboard\n"

// leakRepo is a released repository whose configuration moves the runbook
// under docs/, so the runbook too has a directory on its path; beside it, a
// directory outside the repository holds, under each target's name, a file
// with the token — as a bare YAML scalar, which a flag file or configuration
// parse error would quote, and as a list item, which a runbook or template
// would copy into RELEASE_NOTES.md.
func leakRepo(t *testing.T) (repo *gittest.Repo, outside string) {
	t.Helper()
	repo = releasedRepo(t, map[string]string{
		".release/flags.yaml":    runbookFlags,
		".github/releasebot.yml": "runbook: docs/RUNBOOK.md\n",
		"docs/RUNBOOK.md":        leakRunbook,
		"RELEASE_NOTES.md":       "# v1.0.0\n\nThe notes of the last release.\n",
	})
	outside = filepath.Join(t.TempDir(), "outside")
	for name, content := range map[string]string{
		"flags.yaml":            leakSecret + "\n",
		"releasebot.yml":        leakSecret + "\n",
		"RUNBOOK.md":            "## STAGE\n\n- " + leakSecret + "\n",
		"RELEASE_NOTES.md.tmpl": "- " + leakSecret + "\n",
	} {
		writeFile(t, filepath.Join(outside, name), content)
	}
	return repo, outside
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// inertSnapshot is what a command could change in a clone — every entry
// outside .git (a link by its target, a FIFO or large file by its mode and
// size, never opened), the index and every ref — read without following a
// link or opening a FIFO.
func inertSnapshot(t *testing.T, repo *gittest.Repo) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(repo.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(repo.Dir, path)
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		switch m := fi.Mode(); {
		case m&fs.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			fmt.Fprintf(&b, "%s -> %s\n", rel, target)
		case m.IsRegular() && fi.Size() < 1<<20:
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s %q\n", rel, data)
		default:
			fmt.Fprintf(&b, "%s %v %d\n", rel, m, fi.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"for-each-ref", "--format=%(refname) %(objectname)"}, {"rev-parse", "HEAD"}, {"ls-files", "-s"}} {
		out, _ := repo.TryGit(args...)
		b.WriteString(out + "\n")
	}
	return b.String()
}

// runInProcess runs releasebot in the repository, in-process.
func runInProcess(repo *gittest.Repo, args ...string) result {
	vars := map[string]string{"SOURCE_DATE_EPOCH": notesEpoch}
	var out, errb bytes.Buffer
	code := run(context.Background(), append(args, "--repo", repo.Dir), &env{
		stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] },
	})
	return result{out.String(), errb.String(), code}
}

// TestRepositoryFilesAreNotFollowedOut makes the flag file, the configuration,
// the runbook and the notes template, one at a time, what an attacker would
// commit — a link out of the repository (absolute, relative, to ../, through a
// chain, to a directory), a linked directory on the path — or leaves a FIFO or
// a 50 MiB file in its place, and runs every command that reads it. The token
// outside never shows in stdout, stderr, `audit --json` or RELEASE_NOTES.md;
// the output names the file and says what is wrong with it; a command that
// refuses changes nothing — work tree, index, refs; and none blocks on the
// FIFO.
func TestRepositoryFilesAreNotFollowedOut(t *testing.T) {
	t.Parallel()
	type target struct {
		name, path string
		cmds       [][]string
	}
	targets := []target{
		{"flag file", ".release/flags.yaml", [][]string{
			{"flags", "show"}, {"flags", "render", "--env", "prod", "--format", "json"},
			{"flags", "eval", "--env", "prod", "--user", "42"}, {"audit", "--json"}, {"release", "--dry-run"},
			{"cmd", "/canary 10"},
		}},
		{"configuration", ".github/releasebot.yml", [][]string{
			{"flags", "show"}, {"audit", "--json"}, {"release", "--dry-run"}, {"notes"}, {"cmd", "/canary 10"},
		}},
		{"runbook", "docs/RUNBOOK.md", [][]string{{"release", "--dry-run"}, {"notes"}}},
		{"notes template", ".github/releasebot/RELEASE_NOTES.md.tmpl", [][]string{{"release", "--dry-run"}, {"notes"}}},
	}
	type attack struct {
		name   string
		commit bool // committed, as in a pull request; else left in the work tree
		want   string
		make   func(t *testing.T, repo, outside, path string)
	}
	link := func(t *testing.T, target, name string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(name)
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}
	attacks := []attack{
		{"link to a file outside", true, "symbolic link", func(t *testing.T, repo, outside, path string) {
			link(t, filepath.Join(outside, filepath.Base(path)), filepath.Join(repo, path))
		}},
		{"relative link out", true, "symbolic link", func(t *testing.T, repo, outside, path string) {
			rel, err := filepath.Rel(filepath.Dir(filepath.Join(repo, path)), filepath.Join(outside, filepath.Base(path)))
			if err != nil {
				t.Fatal(err)
			}
			link(t, rel, filepath.Join(repo, path))
		}},
		{"link to ../", true, "symbolic link", func(t *testing.T, repo, outside, path string) {
			link(t, "../", filepath.Join(repo, path))
		}},
		{"chain of links", true, "symbolic link", func(t *testing.T, repo, outside, path string) {
			link(t, filepath.Join(outside, filepath.Base(path)), filepath.Join(repo, "hop"))
			rel, _ := filepath.Rel(filepath.Dir(filepath.Join(repo, path)), filepath.Join(repo, "hop"))
			link(t, rel, filepath.Join(repo, path))
		}},
		{"link to a directory", true, "symbolic link", func(t *testing.T, repo, outside, path string) {
			link(t, outside, filepath.Join(repo, path))
		}},
		{"directory linked out", true, "symbolic link", func(t *testing.T, repo, outside, path string) {
			link(t, outside, filepath.Join(repo, filepath.Dir(path)))
		}},
		{"FIFO", false, "is a named pipe", func(t *testing.T, repo, outside, path string) {
			full := filepath.Join(repo, path)
			os.Remove(full)
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := syscall.Mkfifo(full, 0o644); err != nil {
				t.Skip("no FIFOs here:", err)
			}
		}},
		{"50 MiB", false, "is 50 MiB, over releasebot's limit of 4 MiB", func(t *testing.T, repo, outside, path string) {
			full := filepath.Join(repo, path)
			os.MkdirAll(filepath.Dir(full), 0o755)
			f, err := os.Create(full)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(50 << 20); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tg := range targets {
		for _, at := range attacks {
			t.Run(tg.name+"/"+at.name, func(t *testing.T) {
				t.Parallel()
				repo, outside := leakRepo(t)
				if tg.name == "configuration" && at.name == "directory linked out" {
					// .github holds only the configuration here: link the whole directory.
					os.RemoveAll(filepath.Join(repo.Dir, ".github"))
				}
				at.make(t, repo.Dir, outside, tg.path)
				if at.commit {
					repo.Git("add", "-A")
					repo.Git("commit", "-q", "-m", "chore: "+tg.name+" as "+at.name)
				}
				for _, args := range tg.cmds {
					before := inertSnapshot(t, repo)
					r := runInProcess(repo, args...)
					notes, _ := os.ReadFile(filepath.Join(repo.Dir, "RELEASE_NOTES.md"))
					all := r.stdout + r.stderr + string(notes)
					if strings.Contains(all, leakSecret) {
						t.Errorf("%v: the token outside the repository leaked (exit %d):\nstdout: %s\nstderr: %s\nnotes: %s", args, r.code, r.stdout, r.stderr, notes)
					}
					named := strings.Contains(all, tg.path)
					if at.name == "directory linked out" {
						named = strings.Contains(all, filepath.ToSlash(filepath.Dir(tg.path)))
					}
					if !named || !strings.Contains(all, at.want) {
						t.Errorf("%v: exit %d; want the output to name %s and say %q:\nstdout: %s\nstderr: %s", args, r.code, tg.path, at.want, r.stdout, r.stderr)
					}
					if strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || strings.Contains(r.stderr, "goroutine ") {
						t.Errorf("%v: stderr is not one line:\n%s", args, r.stderr)
					}
					if os.Getenv("LEAK_DEBUG") != "" {
						t.Logf("%v: exit %d\nstdout: %.600s\nstderr: %s", args, r.code, r.stdout, r.stderr)
					}
					if r.code != exitOK && r.code != exitRefused && r.code != exitBadUse {
						t.Errorf("%v: exit %d, want a refusal or bad input", args, r.code)
					}
					if after := inertSnapshot(t, repo); r.code != exitOK && after != before {
						t.Errorf("%v: refused with exit %d, but the clone changed:\n%s", args, r.code, lineDiff(before, after))
					}
				}
			})
		}
	}
}

// lineDiff is the lines only one of a and b has.
func lineDiff(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for l := range ma {
		if !mb[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range mb {
		if !ma[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
