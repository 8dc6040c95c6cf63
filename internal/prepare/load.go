package prepare

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/internal/textsafe"
	"github.com/releasebot/releasebot/releasenotes"
)

// loadRunbook reads the configured runbook of the work tree, or gives the
// built-in one when the repository has none.
func loadRunbook(src Source, cfg *config.Config) (*releasenotes.Runbook, error) {
	data, err := src.ReadWorkTree(cfg.Runbook, "the runbook")
	if errors.Is(err, fs.ErrNotExist) {
		return releasenotes.BuiltinRunbook(), nil
	}
	if err != nil {
		return nil, errorf("%v", err)
	}
	rb, err := releasenotes.ParseRunbook(cfg.Runbook, data)
	if err != nil {
		return nil, errorf("%v", err)
	}
	return rb, nil
}

// loadFlagStates reads the flag file at the end of the range, and the names
// of the flags it changed over the range. A repository without a flag file
// has no flag states. A directory or a submodule at the path is refused by
// ReadFile (a *repofile.Error), as a link is.
func loadFlagStates(ctx context.Context, src Source, cfg *config.Config, h *releasenotes.History) ([]releasenotes.FlagState, []string, error) {
	data, err := src.ReadFile(ctx, h.Head, cfg.FlagsFile)
	if errors.Is(err, fs.ErrNotExist) {
		if err := cfg.CheckDefaultEnvironment(nil); err != nil {
			return nil, nil, errorf("%v", err)
		}
		return nil, nil, nil
	}
	var refused *repofile.Error
	var tooLarge *limits.TooLargeError
	if errors.As(err, &refused) || errors.As(err, &tooLarge) {
		return nil, nil, errorf("the flag file %v", err)
	}
	if err != nil {
		return nil, nil, errorf("could not read the flag file %s: %v", cfg.FlagsFile, err)
	}
	at := fmt.Sprintf("%s at %.7s", cfg.FlagsFile, h.Head)
	f, err := flags.Parse(at, data)
	if err != nil {
		return nil, nil, errorf("%v; fix the flag file and commit it", err)
	}
	if err := cfg.CheckDefaultEnvironment(f.EnvNames()); err != nil {
		return nil, nil, errorf("%v", err)
	}
	var states []releasenotes.FlagState
	for _, env := range f.Environments {
		for _, fl := range env.Flags {
			st := releasenotes.FlagState{Name: fl.Name, Env: env.Name, Default: fl.Default, Canary: fl.Canary, CanaryPercent: env.CanaryPercent}
			if fl.Override != nil {
				st.Override = flags.OverrideWord(fl.Override)
			}
			states = append(states, st)
		}
	}
	// Flags the range changed: the flag file's diff from the start of the
	// range. No file at the start means every flag is new.
	var touched []string
	before := &flags.File{}
	if old := FlagFileAt(ctx, src, h.From, cfg.FlagsFile); old != nil {
		before = old
	}
	for _, ch := range flags.Diff(before, f) {
		if ch.Flag != "" {
			touched = append(touched, ch.Flag)
		}
	}
	return states, touched, nil
}

// FileReader reads a committed file at a revision, as Source.ReadFile.
type FileReader interface {
	ReadFile(ctx context.Context, rev, path string) ([]byte, error)
}

// FlagFileAt is the flag file at a revision, or nil when the revision is
// empty or has no flag file that parses: an old, broken flag file does not
// stop a release.
func FlagFileAt(ctx context.Context, src FileReader, rev, path string) *flags.File {
	if rev == "" {
		return nil
	}
	data, err := src.ReadFile(ctx, rev, path)
	if err != nil {
		return nil
	}
	f, err := flags.Parse(path+" at "+rev, data)
	if err != nil {
		return nil
	}
	return f
}

// loadNotesTemplate reads the repository's template override, if any.
func loadNotesTemplate(src Source) (*releasenotes.Template, error) {
	data, err := src.ReadWorkTree(releasenotes.TemplatePath, "the notes template")
	if errors.Is(err, fs.ErrNotExist) {
		return releasenotes.DefaultTemplate(), nil
	}
	if err != nil {
		return nil, errorf("%v", err)
	}
	t, err := releasenotes.ParseTemplate(releasenotes.TemplatePath, string(data))
	if err != nil {
		// text/template quotes the tokens it trips on: one line, cut.
		return nil, errorf("%s; fix it or delete it to use the built-in template", textsafe.Cut(textsafe.OneLine(err.Error()), 2*limits.Echo))
	}
	return t, nil
}
