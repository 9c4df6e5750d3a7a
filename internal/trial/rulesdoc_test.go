package trial

import (
	"os"
	"testing"
)

// TestRulesDoc checks docs/rules.md against the rule definitions: the document is
// generated from the code (go test ./internal/trial -run TestRulesDoc -update, the
// package's -update flag of machine_test.go), so the rules documented are the rules
// enforced.
func TestRulesDoc(t *testing.T) {
	const path = "../../docs/rules.md"
	want := RulesMarkdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (generate it with -update)", path, err)
	}
	if string(got) != want {
		t.Fatalf("docs/rules.md differs from the rule definitions in ruledefs.go; regenerate it: go test ./internal/trial -run TestRulesDoc -update")
	}
}
