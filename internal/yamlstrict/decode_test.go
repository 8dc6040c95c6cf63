package yamlstrict

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

type inner struct {
	Steps []int             `yaml:"steps"`
	Ratio float64           `yaml:"ratio"`
	On    *bool             `yaml:"on"`
	Tags  map[string]string `yaml:"tags"`
}

type outer struct {
	Name  string `yaml:"name"`
	Inner inner  `yaml:"inner"`
}

func (i *inner) CheckYAML() error {
	for _, s := range i.Steps {
		if s > 100 {
			return &FieldError{Key: "steps", Msg: "too big"}
		}
	}
	return nil
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown key names path and suggests", "name: x\ninner:\n  stepz: [1]\n", `f.yml:3:3: inner.stepz: unknown key (did you mean "steps"?) (known keys here: steps, ratio, on, tags)`},
		{"wrong type in list", "inner:\n  steps: [1, two]\n", `f.yml:2:14: inner.steps[1]: expected a whole number, got "two"`},
		{"mapping where string", "name: {a: b}\n", `f.yml:1:7: name: expected a string, got a mapping`},
		{"bool", "inner: {on: maybe}\n", `f.yml:1:13: inner.on: expected true or false, got "maybe"`},
		{"duplicate key", "name: a\nname: b\n", `f.yml:2:1: name: duplicate key`},
		{"syntax error has line", "name: a\n  bad: [\n", `f.yml:2: invalid YAML: mapping values are not allowed in this context`},
		{"checker places field", "inner:\n  steps: [500]\n", `f.yml:2:3: inner.steps: too big`},
		{"unclosed flow mapping", "a: 1\nb: {c: d\ne: f\n", `f.yml:2: invalid YAML: did not find expected ',' or '}' (a { opened on this line is not closed)`},
		{"unclosed flow list", "name: x\ninner:\n  steps: [1, 2\n", `f.yml:3: invalid YAML: did not find expected ',' or ']' (a [ opened on this line is not closed)`},
		{"bad indentation", "inner:\n    steps: [1]\n  ratio: 2\n", `f.yml:3: invalid YAML: did not find expected key (check the indentation around this line)`},
		{"two documents", "name: a\n---\nname: b\n", `f.yml:2:1: more than one YAML document; keep one`},
		{"merge keys refused", "inner: {<<: {ratio: 1}}\n", `f.yml:1:9: inner: merge keys (<<) are not supported; write the keys out`},
		{"infinite float", "inner: {ratio: .inf}\n", `f.yml:1:16: inner.ratio: expected a finite number, got ".inf"`},
		{"empty list item", "inner:\n  steps:\n    - 1\n    -\n", `f.yml:4:6: inner.steps[1]: an empty list item; give it a value or remove it`},
		{"null list item", "inner: {steps: [1, ~]}\n", `f.yml:1:20: inner.steps[1]: an empty list item; give it a value or remove it`},
		{"not UTF-8 in a value", "name: x\ninner:\n  tags: {a: \"b\xff\"}\n", `f.yml:3:15: the file is not valid UTF-8 (invalid leading UTF-8 octet); save it as UTF-8`},
		{"not UTF-8 after Cyrillic", "name: кот\xe2\x82\n", `f.yml:1:10: the file is not valid UTF-8 (invalid trailing UTF-8 octet); save it as UTF-8`},
		{"not UTF-8 in a comment", "# \xc0\xaf\nname: x\n", `f.yml:1:3: the file is not valid UTF-8 (invalid length of a UTF-8 sequence); save it as UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o outer
			_, err := Unmarshal("f.yml", []byte(tt.in), &o)
			if err == nil {
				t.Fatalf("no error for %q", tt.in)
			}
			var ye *Error
			if !errors.As(err, &ye) {
				t.Fatalf("error %T is not *Error", err)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestUnmarshalValues(t *testing.T) {
	in := "name: web\ninner:\n  steps: [10, 50]\n  ratio: 0.5\n  on: false\n  tags: {a: b}\n"
	var o outer
	if _, err := Unmarshal("f.yml", []byte(in), &o); err != nil {
		t.Fatal(err)
	}
	if o.Name != "web" || len(o.Inner.Steps) != 2 || o.Inner.Steps[1] != 50 || o.Inner.Ratio != 0.5 ||
		o.Inner.On == nil || *o.Inner.On || o.Inner.Tags["a"] != "b" {
		t.Errorf("decoded %+v", o)
	}
	// Null values keep what was there (the defaults).
	o2 := outer{Name: "keep"}
	if _, err := Unmarshal("f.yml", []byte("name:\n"), &o2); err != nil || o2.Name != "keep" {
		t.Errorf("null overwrote the default: %q, %v", o2.Name, err)
	}
	// UTF-16 with a byte-order mark is YAML too, and is not taken for bad UTF-8.
	var o3 outer
	if _, err := Unmarshal("f.yml", []byte("\xff\xfen\x00a\x00m\x00e\x00:\x00 \x00w\x00\n\x00"), &o3); err != nil || o3.Name != "w" {
		t.Errorf("UTF-16: %q, %v", o3.Name, err)
	}
	// An empty document is no error and changes nothing.
	if doc, err := Unmarshal("f.yml", nil, &o2); err != nil || doc != nil {
		t.Errorf("empty document: %v, %v", doc, err)
	}
}

func TestLevenshtein(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"canary", "canery", 1}, {"FF_NEW", "FF_NEW_X", 2}, {"кот", "кит", 1}, {"abc", "", 3}} {
		if got := Levenshtein(tt.a, tt.b); got != tt.d {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
	if best, _ := Closest("ff_nav_foter", []string{"FF_NEW_ONBOARDING", "FF_NAV_FOOTER"}); best != "FF_NAV_FOOTER" {
		t.Errorf("Closest = %q", best)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add("name: x\ninner: {steps: [1, 2], ratio: 1.5, on: true, tags: {a: b}}\n")
	f.Add("inner:\n  steps: [500]\n")
	f.Add("&a name: *a\n")
	f.Add("[1, 2]")
	f.Add("name: \"\xff\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		var o outer
		_, err := Unmarshal("f.yml", []byte(in), &o)
		if err != nil {
			// One line on stderr, naming the file and a place in it.
			var ye *Error
			if !errors.As(err, &ye) || ye.File != "f.yml" || ye.Line < 0 || ye.Column < 0 {
				t.Fatalf("error %T %#v is not an *Error placed in f.yml", err, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "f.yml") || strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
		}
		// Decoding is a function of the input: the same bytes, the same
		// value and the same error.
		var again outer
		_, err2 := Unmarshal("f.yml", []byte(in), &again)
		if fmt.Sprint(err) != fmt.Sprint(err2) || !reflect.DeepEqual(o, again) {
			t.Fatalf("two decodes differ: %v / %v, %+v / %+v", err, err2, o, again)
		}
		if err == nil && !utf8.ValidString(o.Name) {
			t.Fatalf("decoded a string that is not UTF-8: %q", o.Name)
		}
	})
}
