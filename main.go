// Command librecours runs the Libre cours platform. See README.md.
package main

import (
	"os"

	"librecours/app"
)

func main() { os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr)) }
