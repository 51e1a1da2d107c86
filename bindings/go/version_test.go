package pvm

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Version() starts with the workspace version of the root Cargo.toml, the one source.
func TestVersionIsTheWorkspaceVersion(t *testing.T) {
	cargo, err := os.ReadFile("../../Cargo.toml")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(string(cargo), "[workspace.package]", 2)
	if len(parts) != 2 {
		t.Fatal("no [workspace.package] in Cargo.toml")
	}
	match := regexp.MustCompile(`(?m)^version\s*=\s*"([^"]+)"`).FindStringSubmatch(parts[1])
	if match == nil {
		t.Fatal("no version in [workspace.package]")
	}
	if got := Version(); !strings.HasPrefix(got, match[1]+" ") {
		t.Fatalf("Version() = %q, want it to start with %q", got, match[1])
	}
}
