package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestSeedScaleCommand: `seed --scale` refuses production and bad sizes
// (writing nothing), seeds with a progress log on stderr and a summary on
// stdout, and refuses a second run on the same database.
func TestSeedScaleCommand(t *testing.T) {
	u, st := testDB(t)
	prod := env("DATABASE_URL", u, "APP_ENV", "production", "BASE_URL", "https://praksis.kommune.no", "SECRET_KEY", goodSecret)
	if _, err := runCmd(t, prod, "", "seed", "--scale", "20"); err == nil || !strings.Contains(err.Error(), "development only") {
		t.Errorf("seed --scale in production: %v", err)
	}
	dev := env("DATABASE_URL", u, "LOG_LEVEL", "warn")
	for _, args := range [][]string{{"--scale", "5"}, {"--scale", "-3"}, {"--scale", "ten"}, {"--demo", "--scale", "20"}} {
		if _, err := runCmd(t, dev, "", append([]string{"seed"}, args...)...); err == nil {
			t.Errorf("seed %v accepted", args)
		}
	}
	if n := countUsers(t, st); n != 0 {
		t.Fatalf("refused seeds made %d accounts", n)
	}

	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, []string{"seed", "--scale", "40", "--seed", "3"}, dev, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("seed --scale 40: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "seeded 40 participants (seed 3)") || !strings.Contains(out.String(), "attendance") {
		t.Errorf("summary:\n%s", out.String())
	}
	// Not a terminal: one progress line per finished stage.
	for _, stage := range []string{"organisations", "participants", "attendance", "vacuum"} {
		if c := strings.Count(errOut.String(), "seed: "+stage+" "); c != 1 {
			t.Errorf("progress has %d lines for %s:\n%s", c, stage, errOut.String())
		}
	}
	var people int
	if err := st.DB.Get(&people, `SELECT count(*) FROM participants`); err != nil || people != 40 {
		t.Errorf("%d participants after seed --scale 40 (%v)", people, err)
	}
	if _, err := runCmd(t, dev, "", "seed", "--scale", "40"); err == nil || !strings.Contains(err.Error(), "scale seed already") {
		t.Errorf("second seed --scale: %v", err)
	}
}
