package githubemu

import (
	"context"
	"errors"
	"strings"
)

// errRefMoved is update-ref's compare-and-swap failing: the ref was not at
// the old value.
var errRefMoved = errors.New("ref moved")

// refEntry is one ref: its name, the object it points at, that object's
// kind, and for annotated tags the commit it peels to.
type refEntry struct {
	name, sha, kind, peeled string
}

func (r *bareRepo) refs(ctx context.Context, patterns ...string) ([]refEntry, error) {
	args := append([]string{"for-each-ref", "--format=%(refname) %(objectname) %(objecttype) %(*objectname)"}, patterns...)
	out, err := r.runString(ctx, args...)
	if err != nil {
		return nil, err
	}
	var refs []refEntry
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		e := refEntry{name: f[0], sha: f[1], kind: f[2]}
		if len(f) > 3 {
			e.peeled = f[3]
		}
		refs = append(refs, e)
	}
	return refs, nil
}

// ref returns the object a full ref name points at.
func (r *bareRepo) ref(ctx context.Context, name string) (string, bool) {
	refs, err := r.refs(ctx, name)
	if err != nil {
		return "", false
	}
	for _, e := range refs {
		if e.name == name {
			return e.sha, true
		}
	}
	return "", false
}

// updateRef moves name from old to new with git's compare-and-swap. old ""
// means the ref must not exist; new "" deletes it. A ref not at old is
// errRefMoved.
func (r *bareRepo) updateRef(ctx context.Context, name, newSHA, old string) error {
	if old == "" {
		old = zeroSHA
	}
	args := []string{"update-ref", "--no-deref", name, newSHA, old}
	if newSHA == "" {
		args = []string{"update-ref", "--no-deref", "-d", name, old}
	}
	if _, err := r.run(ctx, nil, nil, args...); err != nil {
		var ge *gitError
		if errors.As(err, &ge) && (strings.Contains(ge.stderr, "but expected") || strings.Contains(ge.stderr, "already exists") ||
			strings.Contains(ge.stderr, "unable to resolve reference") || strings.Contains(ge.stderr, "cannot lock ref")) {
			return errRefMoved
		}
		return err
	}
	return nil
}
