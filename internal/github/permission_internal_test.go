package github

import (
	"testing"

	"github.com/releasebot/releasebot/chatops"
)

// TestPermissionLevelMapping: a built-in role_name wins over permission, a
// custom role falls back to permission, and nothing unknown grants access.
func TestPermissionLevelMapping(t *testing.T) {
	for _, tt := range []struct {
		permission, role string
		want             chatops.Permission
	}{
		{"admin", "admin", chatops.PermissionAdmin},
		{"write", "maintain", chatops.PermissionMaintain},
		{"write", "write", chatops.PermissionWrite},
		{"read", "triage", chatops.PermissionTriage},
		{"read", "read", chatops.PermissionRead},
		{"none", "", chatops.PermissionNone},
		{"write", "custom-x", chatops.PermissionWrite},
		{"read", "custom-x", chatops.PermissionRead},
		{"admin", "security-manager", chatops.PermissionAdmin},
		{"none", "custom-x", chatops.PermissionNone},
		{"write", "", chatops.PermissionWrite},       // older GitHub Enterprise Server: no role_name
		{"read", "Maintain", chatops.PermissionRead}, // a custom role spelled like a built-in one
		{"maintain", "", chatops.PermissionNone},     // permission never says maintain
		{"triage", "", chatops.PermissionNone},
		{"Admin", "", chatops.PermissionNone},
		{"", "", chatops.PermissionNone},
		{"push", "", chatops.PermissionNone},
	} {
		if got := (repositoryPermission{Permission: tt.permission, RoleName: tt.role}).level(); got != tt.want {
			t.Errorf("permission %q role_name %q = %v, want %v", tt.permission, tt.role, got, tt.want)
		}
	}
}
