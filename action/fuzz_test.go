package action

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzSetOutput: whatever the value, the runner reads back exactly the
// outputs written, the value unchanged but for a final "\r" the file syntax
// cannot carry.
func FuzzSetOutput(f *testing.F) {
	for _, s := range []string{"", "x\nversion=9.9.9", "a\r\nb", "ghadelimiter_\n", "v<<EOF\nx\nEOF", "\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		path, e := outputFile(t)
		rt, _ := newRT(e)
		if err := rt.SetOutput("notes", value); err != nil {
			t.Fatal(err)
		}
		if err := rt.SetOutput("mode", "noop"); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		got := parseRunnerFile(t, string(data))
		want := strings.TrimSuffix(value, "\r")
		if len(got) != 2 || got[0] != [2]string{"notes", want} || got[1] != [2]string{"mode", "noop"} {
			t.Fatalf("the runner reads %q for %q", got, value)
		}
	})
}

// FuzzCommands: an annotation or group is one line whatever its text, and a
// property cannot end the properties.
func FuzzCommands(f *testing.F) {
	f.Add("msg\n::error::x", "t:i,t=le", "a\r\nb")
	f.Fuzz(func(t *testing.T, msg, title, file string) {
		rt, out := newRT(env{})
		rt.Error(msg, Props{Title: title, File: file, Line: 1})
		rt.Group(msg)
		s := out.String()
		if strings.Count(s, "\n") != 2 || strings.Contains(s, "\r") {
			t.Fatalf("not two lines: %q", s)
		}
		head, _, ok := strings.Cut(s, "::"+escapeData(msg)+"\n")
		props := 1 // line
		for _, v := range []string{title, file} {
			if v != "" {
				props++
			}
		}
		if !ok || strings.Count(head, ",") != props-1 || strings.Count(head, "=") < props || strings.Count(head, "::") != 1 {
			t.Fatalf("properties leak: %q", head)
		}
	})
}

// FuzzLog: no line Log prints reads as a workflow command or holds a
// control character.
func FuzzLog(f *testing.F) {
	f.Add("a\n::add-mask::b\n\u00a0::x")
	f.Fuzz(func(t *testing.T, msg string) {
		rt, out := newRT(env{})
		rt.Log(msg)
		for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if strings.HasPrefix(strings.TrimLeftFunc(l, unicode.IsSpace), "::") {
				t.Fatalf("line %q reads as a command", l)
			}
			if strings.ContainsAny(l, "\r\x1b") {
				t.Fatalf("control character in %q", l)
			}
		}
	})
}

// FuzzFitSummary: a fitted summary never passes its room and is valid
// UTF-8 when the input is.
func FuzzFitSummary(f *testing.F) {
	f.Add("## x\n```\ncode\n", 300)
	f.Fuzz(func(t *testing.T, md string, room int) {
		if room < 0 || room > 1<<16 {
			return
		}
		got, err := fitSummary(md, notesURL, int64(room))
		if err != nil {
			return
		}
		if len(got) > room && got != md {
			t.Fatalf("%d bytes in a room of %d", len(got), room)
		}
		if utf8.ValidString(md) && !utf8.ValidString(got) {
			t.Fatal("cut a character")
		}
		if got != md && !bytes.HasSuffix([]byte(got), []byte(cutNote(notesURL))) {
			t.Fatal("cut without the note")
		}
	})
}
