package sentry

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		want   []Link
	}{
		{
			name: "sentry first page",
			header: `<https://sentry.io/api/0/organizations/acme/issues/?query=is%3Aunresolved&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ` +
				`<https://sentry.io/api/0/organizations/acme/issues/?query=is%3Aunresolved&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"`,
			want: []Link{
				{URL: "https://sentry.io/api/0/organizations/acme/issues/?query=is%3Aunresolved&cursor=0:0:1", Rel: "previous", Cursor: "0:0:1"},
				{URL: "https://sentry.io/api/0/organizations/acme/issues/?query=is%3Aunresolved&cursor=0:100:0", Rel: "next", Results: true, Cursor: "0:100:0"},
			},
		},
		{
			name:   "unquoted values and odd spacing",
			header: `<a>;rel=next;results=true;cursor=1:2:0 ,<b>; rel=prev`,
			want:   []Link{{URL: "a", Rel: "next", Results: true, Cursor: "1:2:0"}, {URL: "b", Rel: "prev"}},
		},
		{name: "empty", header: "", want: nil},
		{name: "garbage", header: `no links, "here", <`, want: nil},
		{name: "valueless parameter", header: `<x>; foo; rel="next"`, want: []Link{{URL: "x", Rel: "next"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseLinks(tt.header); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseLinks() = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestNextLink(t *testing.T) {
	t.Parallel()
	if _, ok := NextLink(`<a>; rel="next"; results="false"; cursor="0:100:0"`); ok {
		t.Error("followed a next link without results")
	}
	if l, ok := NextLink(`<a>; rel="next"; results="true"; cursor="0:100:0"`); !ok || l.Cursor != "0:100:0" {
		t.Errorf("NextLink = %+v, %v", l, ok)
	}
}

func FuzzParseLinks(f *testing.F) {
	f.Add(`<https://sentry.io/x/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <https://sentry.io/x/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"`, "https://sentry.io/api/0/x/?cursor=1772366400000:100:0", "1772366400000:100:0", true)
	f.Add(`<a>;rel=next`, "a", "", false)
	f.Add(`,,;<";>"`, "", "0:0:0", true)
	f.Fuzz(func(t *testing.T, header, url, cursor string, more bool) {
		for _, l := range ParseLinks(header) {
			if len(l.URL) > len(header) || len(l.Cursor) > len(header) {
				t.Fatalf("link longer than its header: %+v", l)
			}
		}
		NextLink(header)

		// A header written as Sentry writes it reads back exactly.
		if strings.ContainsAny(url, "<>\"") || strings.ContainsAny(cursor, "\",;") {
			return
		}
		written := fmt.Sprintf(`<%s>; rel="previous"; results="false"; cursor="0:0:1", <%s>; rel="next"; results="%t"; cursor="%s"`, url, url, more, cursor)
		got := ParseLinks(written)
		want := []Link{{URL: url, Rel: "previous", Results: false, Cursor: "0:0:1"}, {URL: url, Rel: "next", Results: more, Cursor: cursor}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseLinks(%q) = %+v, want %+v", written, got, want)
		}
		next, ok := NextLink(written)
		if ok != more || next != want[1] {
			t.Fatalf("NextLink = %+v, %v; want %+v, %v", next, ok, want[1], more)
		}
	})
}
