package chatops

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/chatops/flags"
)

// TestABStatusAgreesWithTheCohort: what /ab_status says of a user — in or
// not in the cohort, and each flag's value for them — is what the renders
// and flags eval compute (flags.Environment.InCohort and Value), at every
// percentage, including users whose bucket equals the percentage (not in:
// bucket < percent) and the ends 0 and 100.
func TestABStatusAgreesWithTheCohort(t *testing.T) {
	off := false
	e := &flags.Environment{Name: "prod", Cohort: "1.3.1", Flags: []*flags.Flag{
		{Name: "FF_CANARY", Canary: true},
		{Name: "FF_ON", Default: true},
		{Name: "FF_HELD", Canary: true, Override: &off},
	}}
	atEdge := 0
	for _, p := range []int{0, 1, 10, 37, 50, 99, 100} {
		e.CanaryPercent = p
		for i := range 300 {
			user := "u-" + strconv.Itoa(i)
			text := ABStatusText(e, user, nil)
			in := e.InCohort(user)
			b := flags.Bucket(e.CohortSeed(), user)
			if b == p {
				atEdge++
			}
			word := "not in"
			if in {
				word = "in"
			}
			if want := fmt.Sprintf("user %s: bucket %d, %s the %d%% cohort\n", user, b, word, p); !strings.Contains(text, want) {
				t.Fatalf("at %d%%, %s (bucket %d): %q lacks %q", p, user, b, text, want)
			}
			for _, fl := range e.Flags {
				want := "user " + user + ": " + strings.ToUpper(onOff(e.Value(fl, user)))
				if !strings.Contains(lineOf(text, fl.Name), want) {
					t.Fatalf("at %d%%, %s: line of %s %q lacks %q", p, user, fl.Name, lineOf(text, fl.Name), want)
				}
			}
		}
	}
	if atEdge == 0 {
		t.Fatal("no user had a bucket equal to the percentage; widen the sample")
	}
}

// TestABStatusStateAtFullCanary: a canary flag reads ON for everyone at
// 100 % and OFF below it, unless overridden.
func TestABStatusStateAtFullCanary(t *testing.T) {
	off := false
	e := &flags.Environment{Name: "prod", Flags: []*flags.Flag{{Name: "FF_CANARY", Canary: true}, {Name: "FF_HELD", Canary: true, Override: &off}}}
	for p, want := range map[int]string{0: "OFF", 99: "OFF", 100: "ON"} {
		e.CanaryPercent = p
		text := ABStatusText(e, "", nil)
		if f := strings.Fields(lineOf(text, "FF_CANARY")); len(f) < 2 || f[1] != want {
			t.Errorf("at %d%%: %q, want FF_CANARY %s", p, lineOf(text, "FF_CANARY"), want)
		}
		if f := strings.Fields(lineOf(text, "FF_HELD")); len(f) < 2 || f[1] != "OFF" {
			t.Errorf("at %d%%: %q, want FF_HELD OFF (overridden)", p, lineOf(text, "FF_HELD"))
		}
	}
}

func lineOf(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix+" ") {
			return l
		}
	}
	return ""
}
