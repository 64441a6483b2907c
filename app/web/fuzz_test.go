package web

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// FuzzDecodeJSON: no body makes the API decoder panic or answer a server
// error; huge numbers, deep nesting and unknown fields are client errors.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.fr","name":"A","password":"x","roles":["participant"]}`,
		`{"email":1e400}`, `{"unknown":true}`, `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`,
		`{"email":"a"} {}`, `{"name":"\ud800"}`, ``, `null`, `{"roles":{"a":1}}`,
	} {
		f.Add([]byte(seed))
	}
	app := fiber.New(fiber.Config{BodyLimit: fiberBodyLimit})
	app.Post("/", func(c *fiber.Ctx) error {
		var in newUserJSON
		err := decodeJSON(c, &in)
		if err == nil {
			return c.SendStatus(200)
		}
		return c.SendStatus(classify(err).Status)
	})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for %q", resp.StatusCode, body)
		}
	})
}
