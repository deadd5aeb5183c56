using System.Net;
using System.Net.Sockets;
using Cpns.Cli;
using Cpns.Cli.Demo;
using Cpns.EndToEnd.Tests.Support;

namespace Cpns.EndToEnd.Tests.Processes;

/// <summary>Each role as a long-running process: settings from a file and the environment, and a clean stop on SIGTERM.</summary>
public sealed class RoleProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Server_SettingsFileThenEnvironmentThenOptions_LaterLayersWin()
    {
        using var directory = new TestDirectory();
        var optionPort = FreePort();
        var config = Path.Combine(directory.Path, "appsettings.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Server": { "HttpUrls": [ "http://127.0.0.1:0" ], "MqttListen": "127.0.0.1:1", "DataDirectory": "{{Path.Combine(directory.Path, "from-file")}}" } }
            """, Ct);
        var environment = new Dictionary<string, string> { ["CPNS_Server__MqttListen"] = "127.0.0.1:0" };

        // The file's URL (port 0, not the default 8080) and data directory, the environment's MQTT address (the file's
        // port 1 would fail).
        await using (var fromFile = CpnsProcess.Start("server", Path.Combine(directory.Path, "file.log"), ["server", "--config", config], environment))
        {
            var ready = await fromFile.WaitForLineAsync(l => l.StartsWith(ServerCommand.ReadyPrefix, StringComparison.Ordinal), TimeSpan.FromSeconds(90), Ct);
            Assert.StartsWith($"{ServerCommand.ReadyPrefix} http http://127.0.0.1:", ready, StringComparison.Ordinal);
            Assert.DoesNotContain(":8080/", ready, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1:1 ", ready + " ", StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(directory.Path, "from-file", "cpns.db")));
        }

        // A typed option beats both.
        await using var typed = CpnsProcess.Start("server", Path.Combine(directory.Path, "typed.log"), ["server", "--config", config, "--http", $"http://127.0.0.1:{optionPort}"], environment);
        var typedReady = await typed.WaitForLineAsync(l => l.StartsWith(ServerCommand.ReadyPrefix, StringComparison.Ordinal), TimeSpan.FromSeconds(90), Ct);
        Assert.Contains($"http://127.0.0.1:{optionPort}/", typedReady, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRole_RuntimeConfig_ThreadPoolWorkersWaitWithoutSpinning()
    {
        // Every role is `cpns` started from this runtimeconfig (dotnet cpns.dll, or the apphost beside it).
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "cpns.runtimeconfig.json")));

        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    [Fact]
    public async Task Server_MissingSettingsFile_RefusedWithTheFileNamed()
    {
        using var directory = new TestDirectory();
        var missing = Path.Combine(directory.Path, "nope.json");
        var (exit, output) = await CpnsProcess.RunAsync(Path.Combine(directory.Path, "missing.log"), ["server", "--config", missing], TimeSpan.FromSeconds(60), Ct);
        Assert.NotEqual(0, exit);
        Assert.Contains(missing, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_ServerGatewayAndDevice_EachStopsByItselfWithExitCodeZero()
    {
        using var directory = new TestDirectory();
        await using var system = new DemoSystem(new DemoSystemOptions { DataDirectory = directory.Path, Pns = 1, PnesPerPn = 1, DeviceProcesses = true }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await system.StartServersAsync(Ct);
        await system.StartGatewaysAsync(Ct);
        await system.PairAsync(null, Ct);

        var device = ((ProcessPne)system.Pnes[0]).Process;
        var gateway = system.Gateways[0].Process;
        var server = system.Servers[0].Process;
        foreach (var process in new[] { device, gateway, server })
        {
            Assert.True(await process.StopAsync(TimeSpan.FromSeconds(30)), $"{process.Name} did not stop within 30 s of SIGTERM");
            Assert.Equal(0, process.ExitCode);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
