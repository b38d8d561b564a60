package handlers

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"praksis/locale"
)

// Every message ID the Go code of this package hands to a person (errors,
// form checks, flashes, titles) exists in both catalogues. Templates are
// checked by TestCataloguesComplete; this covers the IDs that live in Go.
func TestMessageIDsInGoExist(t *testing.T) {
	nb, err := locale.Catalogue("nb")
	if err != nil {
		t.Fatal(err)
	}
	en, err := locale.Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	prefixes := []string{"error", "form", "flash", "login", "signup", "password", "admin", "invite", "link", "forgot",
		"placement", "placements", "participant", "participants", "proposals", "suggestions", "dashboard", "home", "org"}
	idRe := regexp.MustCompile(`"((?:` + strings.Join(prefixes, "|") + `)\.[a-z0-9_.]+)"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen, missing := 0, map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range idRe.FindAllStringSubmatch(string(src), -1) {
			id := m[1]
			if strings.HasSuffix(id, ".") || strings.HasSuffix(id, "_") {
				continue // a prefix completed at run time ("kind." + code)
			}
			seen++
			if _, ok := nb["audit."+id]; ok && strings.HasPrefix(id, "participant.") {
				continue // an audit action, shown as its audit.* label (checked below)
			}
			if _, ok := nb[id]; !ok {
				missing[f+": nb "+id] = true
			}
			if _, ok := en[id]; !ok {
				missing[f+": en "+id] = true
			}
		}
	}
	// Audit actions on participants, written here and in db, are shown on
	// the access log as "audit.<action>": each needs that label.
	actionRes := []*regexp.Regexp{
		regexp.MustCompile(`(?:audit|AuditTx|LogParticipantAccess)\([^()]*"(participant\.[a-z_]+)"`),
		regexp.MustCompile(`'(participant\.[a-z_]+)'`),
	}
	dbFiles, _ := filepath.Glob("../db/*.go")
	actions := 0
	for _, f := range append(files, dbFiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		for _, re := range actionRes {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				if strings.HasSuffix(m[1], "_") {
					continue // completed at run time ("participant.proposal_" + status)
				}
				actions++
				for lang, cat := range map[string]map[string]string{"nb": nb, "en": en} {
					if _, ok := cat["audit."+m[1]]; !ok {
						missing[f+": "+lang+" audit."+m[1]] = true
					}
				}
			}
		}
	}
	if actions < 5 {
		t.Fatalf("only %d audit actions found: is the pattern still right?", actions)
	}
	if seen < 50 {
		t.Fatalf("only %d message IDs found in the Go code: is the pattern still right?", seen)
	}
	if len(missing) > 0 {
		var list []string
		for k := range missing {
			list = append(list, k)
		}
		sort.Strings(list)
		t.Fatalf("message IDs used in Go but missing from a catalogue:\n%s", strings.Join(list, "\n"))
	}
}
