// Command librecours runs the Libre cours platform. See README.md.
package main

import (
	"os"

	"librecours/app/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
