package main

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/internal/failure"
)

// logHelp is what --help says of the log; README.md's "Logs" says the same.
const logHelp = `The cause of a failure is logged, never printed: stderr gets one sentence
(with a request id when the failure was unexpected), and the log gets a JSON
line with the request id, the command, the kind and the cause, with the
values of GITHUB_TOKEN, SLACK_BOT_TOKEN and SENTRY_AUTH_TOKEN redacted. The
log is $XDG_STATE_HOME/releasebot/releasebot.log (default
~/.local/state/releasebot/releasebot.log); RELEASEBOT_LOG=FILE writes it to
FILE, RELEASEBOT_LOG=stderr to stderr, RELEASEBOT_LOG=off nowhere.`

// secretVars are the variables whose values never reach the log.
var secretVars = []string{"GITHUB_TOKEN", "SLACK_BOT_TOKEN", "SENTRY_AUTH_TOKEN", "SLACK_SIGNING_SECRET", "GITHUB_APP_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET"}

// logFailure writes err's cause to the log named by RELEASEBOT_LOG (see
// logHelp). A log that cannot be opened is skipped: the user's one line
// has been printed already, and a second line about the log would bury it.
func logFailure(e *env, c *cobra.Command, err error, code int) {
	w, closeLog := openLog(e)
	if w == nil {
		return
	}
	defer closeLog()
	redact := newRedactor(e.getenv)
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindString {
			a.Value = slog.StringValue(redact(a.Value.String()))
		}
		return a
	}})
	command := "releasebot"
	if c != nil {
		command = c.CommandPath()
	}
	slog.New(h).Error("command failed",
		"request_id", e.requestID,
		"command", command,
		"kind", failure.KindOf(err).String(),
		"exit", code,
		"error", err.Error(),
		"cause", causeOf(err),
	)
}

// openLog opens the log for appending, creating it and its directory
// (readable by the user only: causes may name private paths). It returns a
// nil writer for none.
func openLog(e *env) (io.Writer, func()) {
	path := e.getenv("RELEASEBOT_LOG")
	switch path {
	case "off":
		return nil, nil
	case "stderr":
		return e.stderr, func() {}
	case "":
		state := e.getenv("XDG_STATE_HOME")
		if state == "" {
			home := e.getenv("HOME")
			if home == "" {
				return nil, nil
			}
			state = filepath.Join(home, ".local", "state")
		}
		path = filepath.Join(state, "releasebot", "releasebot.log")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil
	}
	return f, func() { f.Close() }
}

// causeOf is the chain of causes under err's shown messages: each
// *failure.Error hides its cause behind its message, so the chain is
// walked and every hidden cause written out, outermost first.
func causeOf(err error) string {
	var parts []string
	for err != nil {
		var fe *failure.Error
		if !errors.As(err, &fe) {
			break
		}
		if fe.Err != nil {
			parts = append(parts, fe.Err.Error())
		}
		err = fe.Err
	}
	return strings.Join(parts, " <- ")
}

// newRedactor returns a function that replaces the values of secretVars
// with [redacted] in every spelling an error's text can carry them in
// (audit's redactor: as typed, quoted, JSON-escaped, URL-escaped, base64),
// longest first, so that a secret holding another is removed whole.
func newRedactor(getenv func(string) string) func(string) string {
	var secrets []string
	for _, v := range secretVars {
		if s := strings.TrimSpace(getenv(v)); len(s) >= 4 { // a one-letter "secret" would redact every word
			secrets = append(secrets, s)
		}
	}
	return audit.NewRedactor(secrets...).Redact
}
