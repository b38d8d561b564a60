package db

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters from OWASP's password storage cheat sheet:
// m=19 MiB, t=2, p=1. They are written into every hash, so raising them
// later still verifies old hashes.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds how many argon2 computations (19 MiB each) run at once,
// so a burst of sign-ins cannot exhaust memory; the rest wait their turn.
var hashSlots = make(chan struct{}, 2*runtime.NumCPU())

// hashing counts the computations in flight. A second after the last one
// of a burst ends, the memory they used goes back to the operating system:
// Go keeps freed heap resident for minutes otherwise, and three sign-ins
// took the server from 43 to 82 MB resident, still 79 MB half a minute
// later (docs/benchmarks.md). At most one such release (a garbage
// collection, in the background) a second, however many sign-ins — or
// failed ones, which anyone can make — come in.
var (
	hashing      atomic.Int32
	releaseMu    sync.Mutex
	releaseTimer *time.Timer
)

func argonKey(password string, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	// Collect first, so that the 19 MiB block of the check before this one
	// is free to be used again: otherwise three sign-ins in a row each got
	// fresh memory (a collection was still under way) and the server grew
	// by 57 MB. A collection of this small heap is a millisecond or two,
	// against the check's 50.
	runtime.GC()
	hashing.Add(1)
	defer func() {
		<-hashSlots
		if hashing.Add(-1) == 0 {
			scheduleRelease()
		}
	}()
	return argon2.IDKey([]byte(password), salt, t, m, p, keyLen)
}

func scheduleRelease() {
	releaseMu.Lock()
	defer releaseMu.Unlock()
	if releaseTimer != nil {
		return
	}
	releaseTimer = time.AfterFunc(time.Second, func() {
		releaseMu.Lock()
		releaseTimer = nil
		releaseMu.Unlock()
		// A check that started meanwhile schedules the release when it ends.
		if hashing.Load() == 0 {
			debug.FreeOSMemory()
		}
	})
}

// HashPassword returns an encoded argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("db: salt: %w", err)
	}
	key := argonKey(password, salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("db: malformed password hash")

// CheckPassword reports whether password matches the encoded hash.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argonKey(password, salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked when an e-mail is unknown, so that a failed sign-in
// takes as long whether or not the account exists.
// It is made on the first unknown e-mail, not when the package loads: every
// process (migrate, seed, each test binary) would otherwise spend a
// password hash and its 19 MiB at start.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("praksis-timing-equaliser")
	return h
})

// BurnPasswordCheck spends the time of one password check.
func BurnPasswordCheck(password string) { _, _ = CheckPassword(dummyHash(), password) }

// RandomPassword returns a one-time password that people can type:
// 16 characters from an alphabet without look-alikes.
func RandomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
