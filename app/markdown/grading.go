package markdown

import (
	"errors"

	"librecours/grading"
)

// ForGrading is grading.Service.Markdown: texts are rendered when they are
// saved, and one beyond the renderer's bounds is refused to its author with
// a message naming the problem and where it is.
func ForGrading(r *Renderer) func(field, src string) (string, error) {
	return func(field, src string) (string, error) {
		html, err := r.RenderChecked(src)
		var le *LimitError
		if errors.As(err, &le) {
			return "", &grading.ValidationError{Field: field, Key: "grading.markdown." + le.Problem,
				Args: map[string]any{"Limit": le.Limit, "Line": le.Line}}
		}
		return string(html), err
	}
}
