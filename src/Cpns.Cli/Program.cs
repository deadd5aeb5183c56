using System.CommandLine;
using Cpns.Cli;
using Cpns.Cli.Device;
using Cpns.Cli.Gateway;
using Cpns.Cli.Walkthrough;

var root = new RootCommand("cpns: OMA CPNS Group Key management — CPNS Server, PN Gateway and PNE roles, and the demo.");
root.Subcommands.Add(ServerCommand.Create());
root.Subcommands.Add(WalkthroughCommand.Create());
root.Subcommands.Add(GatewayCommand.Create());
root.Subcommands.Add(DeviceCommand.Create());
root.Subcommands.Add(Cpns.Load.BenchCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
