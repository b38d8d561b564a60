package handlers

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"praksis/db"
)

// totpSetupPage shows the QR code and the secret, and takes the first code.
type totpSetupPage struct {
	Page
	Form   Form
	Action string       // where the form posts
	QR     template.URL // PNG data URI, made here (so trusted as a URL)
	Secret string       // the same secret as text, in groups of four
	Codes  []string
	Next   string
}

// startTOTP makes a fresh secret for the person and stores it sealed,
// unconfirmed; false when a confirmed authenticator exists already.
func (a *App) startTOTP(c *fiber.Ctx, u db.User) (bool, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Praksis", AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return false, fmt.Errorf("handlers: totp: %w", err)
	}
	sealed, err := a.sealSecret(key.Secret())
	if err != nil {
		return false, err
	}
	if err := a.store.StartTOTP(c.UserContext(), u.ID, sealed); errors.Is(err, db.ErrConflict) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// showTOTPSetup shows the unconfirmed secret stored (ErrNotFound when
// there is none), also after a wrong code, so the person scans only once.
func (a *App) showTOTPSetup(c *fiber.Ctx, u db.User, p *totpSetupPage) error {
	t, err := a.store.TOTP(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	if t.ConfirmedAt != nil {
		return db.ErrNotFound
	}
	secret, err := a.openTOTP(c, u.ID, t.Secret)
	if err != nil {
		return err
	}
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/Praksis:%s?secret=%s&issuer=Praksis&period=%d&digits=6&algorithm=SHA1",
		strings.ReplaceAll(u.Email, "@", "%40"), secret, totpPeriod))
	if err != nil {
		return fmt.Errorf("handlers: totp: %w", err)
	}
	return fillQR(p, key)
}

func fillQR(p *totpSetupPage, key *otp.Key) error {
	img, err := key.Image(240, 240)
	if err != nil {
		return fmt.Errorf("handlers: qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("handlers: qr: %w", err)
	}
	p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	var groups []string
	for s := key.Secret(); len(s) > 0; {
		n := min(4, len(s))
		groups = append(groups, s[:n])
		s = s[n:]
	}
	p.Secret = strings.Join(groups, " ")
	return nil
}

// confirmTOTP checks the first code against the unconfirmed secret and, if
// right, confirms it and makes the recovery codes (returned once, for the
// page; stored hashed).
func (a *App) confirmTOTP(c *fiber.Ctx, u db.User, code string) ([]string, bool, error) {
	t, err := a.store.TOTP(c.UserContext(), u.ID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && t.ConfirmedAt != nil) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	secret, err := a.openTOTP(c, u.ID, t.Secret)
	if err != nil {
		return nil, false, err
	}
	step, ok := a.totpStep(secret, strings.ReplaceAll(code, " ", ""))
	if !ok {
		return nil, false, nil
	}
	codes := make([]string, recoveryCodeCount)
	hashes := make([][]byte, recoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = recoveryHash(codes[i])
	}
	if err := a.store.ConfirmTOTP(c.UserContext(), u.ID, step, hashes, clientIP(c)); errors.Is(err, db.ErrNotFound) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	return codes, true, nil
}

// mfaSetupForm is the set-up a role in MFA_REQUIRED_ROLES meets at its
// next password sign-in, before any session.
func (a *App) mfaSetupForm(c *fiber.Ctx) error {
	pend, u, ok, err := a.pending(c)
	if err != nil {
		return err
	}
	if !ok || !pend.Setup {
		return a.noPending(c)
	}
	p := totpSetupPage{Page: a.newPage(c, "mfa.setup_title"), Form: newForm(), Action: "/login/mfa/setup"}
	if err := a.showTOTPSetup(c, u, &p); errors.Is(err, db.ErrNotFound) { // confirmed in another tab meanwhile
		return a.redirect(c, "/login", "flash.mfa_expired")
	} else if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "auth/totp_setup", &p)
}

// mfaSetupConfirm takes the first code; right, it shows the recovery
// codes once and starts the session.
func (a *App) mfaSetupConfirm(c *fiber.Ctx) error {
	pend, u, ok, err := a.pending(c)
	if err != nil {
		return err
	}
	if !ok || !pend.Setup {
		return a.noPending(c)
	}
	p := totpSetupPage{Page: a.newPage(c, "mfa.setup_title"), Form: newForm(), Action: "/login/mfa/setup"}
	return a.confirmAndShowCodes(c, u, &p, func(codes []string) error {
		p.Next = pend.Next
		a.clearCookie(c, mfaCookie)
		if err := a.startSession(c, u); err != nil {
			return err
		}
		if u.MustChangePassword {
			p.Next = "/password"
		}
		return nil
	})
}

// confirmAndShowCodes is the shared end of both set-ups: a wrong code
// re-shows the same secret (throttled as sign-in is); a right one shows
// the recovery codes once.
func (a *App) confirmAndShowCodes(c *fiber.Ctx, u db.User, p *totpSetupPage, done func([]string) error) error {
	ctx := c.UserContext()
	code := strings.TrimSpace(c.FormValue("code"))
	p.Form.Check(code != "", "code", "form.required")
	byEmail, byIP, err := a.store.LoginFailures(ctx, u.Email, clientIP(c), a.cfg.LoginWindow)
	if err != nil {
		return err
	}
	if byEmail >= a.cfg.LoginMaxFailures || byIP >= a.cfg.LoginMaxFailuresPerIP {
		p.Form.Check(false, "code", "login.throttled")
	}
	var codes []string
	if p.Form.Valid() {
		var ok bool
		if codes, ok, err = a.confirmTOTP(c, u, code); err != nil {
			return err
		}
		if !ok {
			if err := a.store.RecordLoginFailure(ctx, u.Email, clientIP(c)); err != nil {
				return err
			}
			p.Form.Check(false, "code", "mfa.wrong_code")
		}
	}
	if !p.Form.Valid() {
		if err := a.showTOTPSetup(c, u, p); errors.Is(err, db.ErrNotFound) { // confirmed meanwhile
			if session(c) != nil {
				return a.redirect(c, "/settings/security", "flash.totp_exists")
			}
			return a.redirect(c, "/login", "flash.mfa_expired")
		} else if err != nil {
			return err
		}
		return a.render(c, fiber.StatusUnprocessableEntity, "auth/totp_setup", p)
	}
	if err := done(codes); err != nil {
		return err
	}
	p.Codes = codes
	p.Page = a.newPage(c, "mfa.codes_title")
	if p.Next == "" {
		p.Next = "/"
	}
	return a.render(c, fiber.StatusOK, "auth/recovery_codes", p)
}

// sealSecret encrypts a TOTP secret with a key derived from SECRET_KEY
// (AES-256-GCM), so a copy of the database alone gives no codes away.
func (a *App) sealSecret(secret string) ([]byte, error) {
	gcm, err := totpAEAD(a.cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, []byte(secret), nil), nil
}

// openSecret decrypts a sealed TOTP secret with SECRET_KEY or, after a
// rotation, SECRET_KEY_PREVIOUS (old reports that: the caller seals the
// secret anew).
func (a *App) openSecret(sealed []byte) (secret string, old bool, err error) {
	for i, key := range [][]byte{a.cfg.SecretKey, a.cfg.PreviousSecretKey} {
		if len(key) == 0 {
			continue
		}
		gcm, err := totpAEAD(key)
		if err != nil {
			return "", false, err
		}
		if len(sealed) < gcm.NonceSize() {
			return "", false, errors.New("handlers: totp secret too short")
		}
		if plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil); err == nil {
			return string(plain), i == 1, nil
		}
	}
	return "", false, errUnopenable
}

// errUnopenable: SECRET_KEY changed without SECRET_KEY_PREVIOUS, and the
// authenticator can no longer be used (docs/operations.md).
var errUnopenable = errors.New("handlers: totp secret opens with neither SECRET_KEY nor SECRET_KEY_PREVIOUS")

// openTOTP opens a person's stored secret, sealing it anew with the
// current SECRET_KEY when it was sealed with the previous one.
func (a *App) openTOTP(c *fiber.Ctx, userID int64, sealed []byte) (string, error) {
	secret, old, err := a.openSecret(sealed)
	if err != nil || !old {
		return secret, err
	}
	fresh, err := a.sealSecret(secret)
	if err != nil {
		return "", err
	}
	return secret, a.store.ResealTOTP(c.UserContext(), userID, fresh)
}

func totpAEAD(secretKey []byte) (cipher.AEAD, error) {
	k := sha256.Sum256(append([]byte("praksis totp secret\x00"), secretKey...))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// newRecoveryCode is 50 random bits as ten lower-case base32 characters,
// shown as xxxxx-xxxxx.
func newRecoveryCode() string {
	b := make([]byte, 7)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:10]
	return s[:5] + "-" + s[5:]
}

// recoveryHash normalises a typed recovery code (case, spaces, dashes)
// and hashes it as stored.
func recoveryHash(code string) []byte {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(code))
	h := sha256.Sum256([]byte("recovery:" + norm))
	return h[:]
}
