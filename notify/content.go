package notify

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
)

// mailContent is one e-mail's text, in paragraphs: the plain text and the
// HTML alternative are both written from it, so they say the same thing.
type mailContent struct {
	Lang       string
	Subject    string
	Greeting   string
	Paragraphs []string // lines separated by \n; URLs become links in HTML
	Footer     []string
}

// text is the plain-text body: paragraphs separated by a blank line, then
// the signature separator and the footer.
func (c mailContent) text() string {
	var b strings.Builder
	b.WriteString(c.Greeting)
	b.WriteString("\n\n")
	for _, p := range c.Paragraphs {
		b.WriteString(p)
		b.WriteString("\n\n")
	}
	b.WriteString("-- \n")
	for _, f := range c.Footer {
		b.WriteString(f)
		b.WriteString("\n")
	}
	return b.String()
}

// mailHTML lays the same paragraphs out as a small HTML document; html/template
// escapes every text and checks every link.
var mailHTML = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>{{.Subject}}</title>
</head>
<body style="font-family: sans-serif; line-height: 1.5; max-width: 40em">
<p>{{.Greeting}}</p>
{{range .Paragraphs}}<p>{{range $i, $line := .}}{{if $i}}<br>
{{end}}{{range $line}}{{if .URL}}<a href="{{.URL}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}{{end}}</p>
{{end}}<hr>
{{range .Footer}}<p style="font-size: smaller">{{range $i, $line := .}}{{if $i}}<br>
{{end}}{{range $line}}{{if .URL}}<a href="{{.URL}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}{{end}}</p>
{{end}}</body>
</html>
`))

// segment is a run of text, or a link when URL is set.
type segment struct{ Text, URL string }

var urlPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// lines cuts a paragraph into lines of segments, its URLs made links.
func lines(p string) [][]segment {
	var out [][]segment
	for _, l := range strings.Split(p, "\n") {
		var segs []segment
		last := 0
		for _, loc := range urlPattern.FindAllStringIndex(l, -1) {
			u := strings.TrimRight(l[loc[0]:loc[1]], ".,;:!?)»")
			end := loc[0] + len(u)
			if loc[0] > last {
				segs = append(segs, segment{Text: l[last:loc[0]]})
			}
			segs = append(segs, segment{Text: u, URL: u})
			last = end
		}
		if last < len(l) {
			segs = append(segs, segment{Text: l[last:]})
		}
		out = append(out, segs)
	}
	return out
}

// html is the HTML alternative.
func (c mailContent) html() string {
	data := struct {
		Lang, Subject, Greeting string
		Paragraphs, Footer      [][][]segment
	}{Lang: c.Lang, Subject: c.Subject, Greeting: c.Greeting}
	for _, p := range c.Paragraphs {
		data.Paragraphs = append(data.Paragraphs, lines(p))
	}
	for _, f := range c.Footer {
		data.Footer = append(data.Footer, lines(f))
	}
	var b bytes.Buffer
	if err := mailHTML.Execute(&b, data); err != nil {
		return "" // the text alone then; the template is fixed and its data plain strings
	}
	return b.String()
}
