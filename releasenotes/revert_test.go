package releasenotes_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/releasebot/releasebot/releasenotes"
)

// commitStaged commits what is staged (a revert made with --no-commit) with
// the message, as GitHub writes a squash or a person finishes a revert.
func (r *gitRepo) commitStaged(msg string) string {
	r.t.Helper()
	r.n++
	msgFile := filepath.Join(filepath.Dir(r.dir), "message.txt")
	if err := os.WriteFile(msgFile, []byte(msg), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.git("commit", "-q", "--cleanup=whitespace", "-F", msgFile)
	return r.head()
}

// revert runs git revert as a person or GitHub's Revert button does, with
// git's own message.
func (r *gitRepo) revert(args ...string) string {
	r.t.Helper()
	r.n++
	r.git(append([]string{"revert", "--no-edit"}, args...)...)
	return r.head()
}

// merge merges a branch into main with a merge commit, as GitHub's "Create a
// merge commit" does.
func (r *gitRepo) merge(branch, msg string) string {
	r.t.Helper()
	r.n++
	r.git("checkout", "-q", "main")
	r.git("merge", "--no-ff", "-q", "-m", msg, branch)
	return r.head()
}

// TestRevertForms builds each revert form git, GitHub and the Conventional
// Commits FAQ produce on a history with a feature and a fix: the reverted
// feature is not listed, does not bump the minor version, and the revert is
// not listed either.
func TestRevertForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func(r *gitRepo)
		// reverted is how many changes the revert drops, itself included.
		reverted int
		bump     Bump
		// listed are descriptions that must be listed; "quiz" must not be.
		listed []string
	}{
		{"git revert", func(r *gitRepo) {
			quiz := r.commit("feat(quiz): add the quiz")
			r.commit("fix(cart): keep the cart")
			r.revert(quiz)
		}, 2, BumpPatch, []string{"keep the cart"}},

		{"git revert of a merge commit", func(r *gitRepo) {
			r.git("checkout", "-q", "-b", "quiz")
			r.commit("feat(quiz): add the quiz")
			r.commit("fix(quiz): quiz timer")
			m := r.merge("quiz", "Merge pull request #12 from acme/quiz\n\nAdd the quiz")
			r.commit("fix(cart): keep the cart")
			r.revert("-m", "1", m)
		}, 3, BumpPatch, []string{"keep the cart"}},

		{"Revert button on a squashed PR, merged with a merge commit", func(r *gitRepo) {
			quiz := r.commit("feat(quiz): add the quiz (#12)")
			r.commit("fix(cart): keep the cart (#14)")
			r.git("checkout", "-q", "-b", "revert-12-quiz")
			r.revert(quiz)
			r.merge("revert-12-quiz", "Merge pull request #13 from acme/revert-12-quiz\n\nRevert \"feat(quiz): add the quiz (#12)\"")
		}, 2, BumpPatch, []string{"keep the cart"}},

		{"Revert button on a merged PR, merged with a merge commit", func(r *gitRepo) {
			r.git("checkout", "-q", "-b", "quiz")
			r.commit("feat(quiz): add the quiz")
			r.commit("feat(quiz): quiz scores")
			m := r.merge("quiz", "Merge pull request #12 from acme/quiz\n\nAdd the quiz")
			r.commit("fix(cart): keep the cart (#14)")
			r.git("checkout", "-q", "-b", "revert-12-quiz")
			r.revert("-m", "1", m)
			r.merge("revert-12-quiz", "Merge pull request #13 from acme/revert-12-quiz\n\nRevert \"Merge pull request #12 from acme/quiz\"")
		}, 3, BumpPatch, []string{"keep the cart"}},

		{"Revert button, squash-merged", func(r *gitRepo) {
			quiz := r.commit("feat(quiz): add the quiz (#12)")
			r.commit("fix(cart): keep the cart (#14)")
			r.n++
			r.git("revert", "--no-commit", quiz)
			r.commitStaged("Revert \"feat(quiz): add the quiz (#12)\" (#13)\n\nThis reverts commit " + quiz + ".\n")
		}, 2, BumpPatch, []string{"keep the cart"}},

		{"Revert button on a merged PR, squash-merged", func(r *gitRepo) {
			r.git("checkout", "-q", "-b", "quiz")
			r.commit("feat(quiz): add the quiz")
			m := r.merge("quiz", "Merge pull request #12 from acme/quiz\n\nAdd the quiz")
			r.commit("fix(cart): keep the cart (#14)")
			r.n++
			r.git("revert", "--no-commit", "-m", "1", m)
			r.commitStaged("Revert \"Merge pull request #12 from acme/quiz\" (#13)\n\nThis reverts commit " + m + ", reversing\nchanges made to " + r.git("rev-parse", m+"^1") + ".\n")
		}, 2, BumpPatch, []string{"keep the cart"}},

		{"Revert button on a rebased PR of two commits, squash-merged", func(r *gitRepo) {
			a := r.commit("feat(quiz): add the quiz")
			b := r.commit("feat(quiz): quiz scores")
			r.commit("fix(cart): keep the cart (#14)")
			r.n++
			r.git("revert", "--no-commit", b, a)
			r.commitStaged("Revert \"Quiz\" (#13)\n\n* Revert \"feat(quiz): quiz scores\"\n\nThis reverts commit " + b +
				".\n\n* Revert \"feat(quiz): add the quiz\"\n\nThis reverts commit " + a + ".\n")
		}, 3, BumpPatch, []string{"keep the cart"}},

		{"Revert button, rebase-merged", func(r *gitRepo) {
			quiz := r.commit("feat(quiz): add the quiz (#12)")
			r.git("checkout", "-q", "-b", "revert-12-quiz")
			r.revert(quiz)
			r.git("checkout", "-q", "main")
			r.commit("fix(cart): keep the cart (#14)")
			r.git("checkout", "-q", "revert-12-quiz")
			r.git("rebase", "-q", "main")
			r.git("checkout", "-q", "main")
			r.git("merge", "-q", "--ff-only", "revert-12-quiz")
		}, 2, BumpPatch, []string{"keep the cart"}},

		{"Conventional Commits FAQ: revert with Refs", func(r *gitRepo) {
			a := r.commit("feat(quiz): add the quiz")
			b := r.commit("feat(quiz): quiz scores")
			r.commit("fix(cart): keep the cart")
			r.n++
			r.git("revert", "--no-commit", b, a)
			r.commitStaged("revert: let us never again speak of the quiz incident\n\nRefs: " + a[:7] + ", " + b[:9] + "\n")
		}, 3, BumpPatch, []string{"keep the cart"}},

		{"FAQ form without a hash, by subject", func(r *gitRepo) {
			r.commit("feat(quiz): add the quiz")
			r.commit("fix(cart): keep the cart")
			r.commit("revert: feat(quiz): add the quiz")
		}, 2, BumpPatch, []string{"keep the cart"}},

		{"a revert of a revert brings the feature back", func(r *gitRepo) {
			quiz := r.commit("feat(cart): the quiz is back")
			r.revert(quiz)
			r.revert("HEAD")
		}, 2, BumpMinor, []string{"the quiz is back"}},

		{"three reverts take it out again", func(r *gitRepo) {
			quiz := r.commit("feat(quiz): add the quiz")
			r.commit("fix(cart): keep the cart")
			r.revert(quiz)
			r.revert("HEAD")
			r.revert("HEAD")
		}, 4, BumpPatch, []string{"keep the cart"}},

		{"a revert of a revert of a squashed Revert-button PR", func(r *gitRepo) {
			quiz := r.commit("feat(cart): the quiz is back (#12)")
			r.n++
			r.git("revert", "--no-commit", quiz)
			rv := r.commitStaged("Revert \"feat(cart): the quiz is back (#12)\" (#13)\n\nThis reverts commit " + quiz + ".")
			r.n++
			r.git("revert", "--no-commit", rv)
			r.commitStaged("Revert \"Revert \"feat(cart): the quiz is back (#12)\" (#13)\" (#15)\n\nThis reverts commit " + rv + ".")
		}, 2, BumpMinor, []string{"the quiz is back"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newGitRepo(t)
			r.commit("chore: start")
			r.tag("v1.4.0")
			tt.build(r)
			n := BuildNotes(t, r.history(RangeOptions{}), Options{})
			var listed []string
			for _, s := range n.Sections {
				for _, e := range s.Entries {
					listed = append(listed, e.Description)
					if s.Title == RevertsTitle || e.Type == "revert" || strings.Contains(e.Description, "quiz") && !strings.Contains(e.Description, "back") {
						t.Errorf("%s lists %q", s.Title, e.Description)
					}
				}
			}
			for _, want := range tt.listed {
				if !slices.Contains(listed, want) {
					t.Errorf("%q is not listed; listed: %q", want, listed)
				}
			}
			if n.Decision.Bump != tt.bump || n.Reverted != tt.reverted {
				t.Errorf("bump %s (%s), %d reverted; want %s, %d", n.Decision.Bump, n.Decision.Reason, n.Reverted, tt.bump, tt.reverted)
			}
			if len(n.Warnings) > 0 {
				t.Errorf("warnings: %q", n.Warnings)
			}
		})
	}
}

// TestRevertOfAReleasedChange keeps a revert whose target was released
// already: it is a change of this release, listed under "Reverts", a patch.
func TestRevertOfAReleasedChange(t *testing.T) {
	t.Parallel()
	for name, msg := range map[string]func(quiz string) string{
		"git revert": func(q string) string { return "Revert \"feat(quiz): add the quiz\"\n\nThis reverts commit " + q + "." },
		"Revert button, squashed": func(q string) string {
			return "Revert \"feat(quiz): add the quiz\" (#13)\n\nThis reverts commit " + q + "."
		},
		"FAQ form with a short hash":   func(q string) string { return "revert: add the quiz\n\nRefs: " + q[:7] },
		"a hash outside, no subject":   func(q string) string { return "revert: feat(quiz): add the quiz\n\nRefs: " + q },
		"one of two hashes is outside": func(q string) string { return "revert: both\n\nRefs: " + q + ", 0000000" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newGitRepo(t)
			quiz := r.commit("feat(quiz): add the quiz")
			r.tag("v1.4.0")
			// The same subject again in the range: a hash that names a
			// released commit is never matched by subject instead.
			r.commit("feat(quiz): add the quiz")
			r.n++
			r.git("revert", "--no-commit", quiz)
			r.commitStaged(msg(quiz))
			n := BuildNotes(t, r.history(RangeOptions{}), Options{})
			if n.Reverted != 0 || n.Decision.Bump != BumpMinor || len(n.Sections) != 2 || n.Sections[1].Title != RevertsTitle {
				t.Errorf("reverted %d, bump %s, sections %+v", n.Reverted, n.Decision.Bump, n.Sections)
			}
		})
	}
}
