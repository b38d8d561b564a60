package handlers

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"praksis/locale"
	"praksis/views"
)

// Every message exists in both languages, and every literal message ID a
// template uses exists.
func TestCataloguesComplete(t *testing.T) {
	nb, err := locale.Catalogue("nb")
	if err != nil {
		t.Fatal(err)
	}
	en, err := locale.Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for k := range nb {
		if _, ok := en[k]; !ok {
			missing = append(missing, "en: "+k)
		}
	}
	for k := range en {
		if _, ok := nb[k]; !ok {
			missing = append(missing, "nb: "+k)
		}
	}
	re := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	err = fs.WalkDir(views.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, _ := fs.ReadFile(views.FS, p)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := nb[m[1]]; !ok {
				missing = append(missing, p+": "+m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("messages missing:\n%s", strings.Join(missing, "\n"))
	}
	if len(nb) < 100 {
		t.Fatalf("only %d messages: catalogue not loaded?", len(nb))
	}
}
