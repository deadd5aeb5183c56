using System.CommandLine;
using Cpns.Cli;

var root = new RootCommand("Cpns: OMA CPNS Group Key management.");
root.Subcommands.Add(ServerCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
