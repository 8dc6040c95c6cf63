package yamlstrict

import (
	"strconv"
	"strings"
	"testing"
)

// TestDuplicateKeys: a key given twice is refused at every depth — in a
// struct, in a map, in flow style, after many other keys — whatever the
// spelling of the second one (quoted, single-quoted, escaped) as long as
// YAML reads it as the same string; the error names the second key's line
// and its path.
func TestDuplicateKeys(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"top level", "name: a\nname: b\n", "f.yml:2:1: name: duplicate key"},
		{"quoted second", "name: a\n\"name\": b\n", "f.yml:2:1: name: duplicate key"},
		{"single-quoted second", "'name': a\nname: b\n", "f.yml:2:1: name: duplicate key"},
		{"escaped second", "name: a\n\"n\\x61me\": b\n", "f.yml:2:1: name: duplicate key"},
		{"flow mapping", "{name: a, name: b}\n", "f.yml:1:11: name: duplicate key"},
		{"nested struct", "inner:\n  ratio: 1\n  steps: [1]\n  ratio: 2\n", "f.yml:4:3: inner.ratio: duplicate key"},
		{"map field", "inner:\n  tags:\n    a: x\n    b: y\n    a: z\n", "f.yml:5:5: inner.tags.a: duplicate key"},
		{"map field, quoted", "inner: {tags: {a: x, \"a\": z}}\n", "f.yml:1:22: inner.tags.a: duplicate key"},
		{"after many keys", "inner:\n  tags:\n" + manyKeys(500) + "    k7: again\n", "f.yml:503:5: inner.tags.k7: duplicate key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var o outer
			_, err := Unmarshal("f.yml", []byte(c.in), &o)
			if err == nil || err.Error() != c.want {
				t.Errorf("got %v\nwant %s", err, c.want)
			}
		})
	}
	// Keys YAML reads as different strings are not duplicates.
	var o outer
	if _, err := Unmarshal("f.yml", []byte("inner: {tags: {a: x, A: y, \"a \": z, 1: one, \"01\": two}}\n"), &o); err != nil || len(o.Inner.Tags) != 5 {
		t.Errorf("distinct keys: %v, %v", err, o.Inner.Tags)
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("    k")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(": v\n")
	}
	return b.String()
}
