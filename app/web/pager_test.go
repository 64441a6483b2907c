package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestPageOf(t *testing.T) {
	t.Parallel()
	a := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		if he, ok := err.(*httpError); ok {
			return c.Status(he.Status).SendString(he.Key)
		}
		return c.Status(500).SendString(err.Error())
	}})
	a.Get("/list/:total", func(c *fiber.Ctx) error {
		total, _ := c.ParamsInt("total")
		pg, err := pageOf(c, total, 50)
		if err != nil {
			return err
		}
		return c.SendString(fmt.Sprintf("%d/%d [%d:%d] prev %d next %d first %d %s", pg.Page, pg.Pages, pg.From, pg.To, pg.Prev, pg.Next, pg.FirstOnPage, pg.Path))
	})
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/list/0", 200, "1/1 [0:0] prev 0 next 0 first 1 /list/0"},
		{"/list/120", 200, "1/3 [0:50] prev 0 next 2 first 1 /list/120"},
		{"/list/120?page=2", 200, "2/3 [50:100] prev 1 next 3 first 51 /list/120"},
		{"/list/120?page=3", 200, "3/3 [100:120] prev 2 next 0 first 101 /list/120"},
		{"/list/120?page=9", 200, "3/3 [100:120] prev 2 next 0 first 101 /list/120"},
		{"/list/120?page=0", 400, "app.error.page_invalid"},
		{"/list/120?page=deux", 400, "app.error.page_invalid"},
		{"/list/120?page=-1", 400, "app.error.page_invalid"},
	} {
		res, err := a.Test(httptest.NewRequest(http.MethodGet, tc.path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 200)
		n, _ := res.Body.Read(body)
		if res.StatusCode != tc.status || string(body[:n]) != tc.want {
			t.Errorf("%s: %d %q, want %d %q", tc.path, res.StatusCode, body[:n], tc.status, tc.want)
		}
	}
}
