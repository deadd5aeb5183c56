using System.CommandLine;
using Cpns.Cli;
using Cpns.Cli.Demo;
using Cpns.Cli.Device;
using Cpns.Cli.Gateway;
using Cpns.Cli.Walkthrough;

var root = new RootCommand("cpns: OMA CPNS Group Key management — CPNS Server, PN Gateway and PNE roles, and the demo.");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ServerCommand.Create());
root.Subcommands.Add(GatewayCommand.Create());
root.Subcommands.Add(DeviceCommand.Create());
root.Subcommands.Add(WalkthroughCommand.Create());
root.Subcommands.Add(Cpns.Load.BenchCommand.Create());

// SIGTERM and Ctrl+C cancel the running command; it then gets this long to finish its work in flight before the
// process exits anyway (the default of 2 s is shorter than a gateway's broadcast retry or a server's lease commit).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) }).ConfigureAwait(false);
