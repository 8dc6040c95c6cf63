package releasenotes

import (
	"testing"
	"time"
)

// The fixtures the tests of both packages share: the package's own tests
// (this package) and the ones that read a history through the git adapter
// (releasenotes_test, which may import it without a cycle).

// baseDate is when every test history starts; each commit is a minute later,
// so hashes are the same on every machine.
var baseDate = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

const testRepoURL = "https://github.com/acme/shop"

// prodFlags is the flag file of DESIGN §4 as FlagState values.
var prodFlags = []FlagState{
	{Name: "FF_NEW_ONBOARDING", Env: "stage", Default: true},
	{Name: "FF_NAV_FOOTER", Env: "stage", Default: true},
	{Name: "FF_NEW_ONBOARDING", Env: "prod", Canary: true, CanaryPercent: 10},
	{Name: "FF_NAV_FOOTER", Env: "prod", Canary: true, Override: "off", CanaryPercent: 10},
	{Name: "FF_OLD_CHECKOUT", Env: "prod", Default: true, CanaryPercent: 10},
}

// Exported for releasenotes_test.
var (
	BaseDate    = baseDate
	TestRepoURL = testRepoURL
	ProdFlags   = prodFlags
)

// BuildNotes is buildNotes for releasenotes_test.
func BuildNotes(t testing.TB, h *History, o Options) *Notes { return buildNotes(t, h, o) }

// OrRoot is orRoot for releasenotes_test.
func OrRoot(from string) string { return orRoot(from) }

// ReadFixture is readFixture for releasenotes_test.
func ReadFixture(t testing.TB, name string) []byte { return readFixture(t, name) }
