using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Cpns.Pn.Tests.Support;

namespace Cpns.Pn.Tests;

/// <summary>The `cpns gateway` and `cpns device` commands, run as processes.</summary>
public sealed partial class CliTests
{
    [Fact]
    public async Task GatewayHelp_ListsSubcommands()
    {
        var (code, output) = await CpnsAsync("gateway", "--help");
        Assert.Equal(0, code);
        foreach (var sub in new[] { "run", "pair", "remove-pne", "status" })
        {
            Assert.Contains(sub, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DeviceHelp_ListsSubcommands()
    {
        var (code, output) = await CpnsAsync("device", "--help");
        Assert.Equal(0, code);
        foreach (var sub in new[] { "pair", "run", "send", "listen", "status" })
        {
            Assert.Contains(sub, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EndToEnd_GatewayRunPair_DevicePairAndStatus()
    {
        using var dir = new TempDirectory();
        var gatewayData = Path.Combine(dir.Path, "gw");
        var deviceData = Path.Combine(dir.Path, "dev");
        var (pnPort, pairingPort) = (FreePort(), FreePort());
        using var gateway = Start("gateway", "run", "--data", gatewayData, "--pn-id", "pn-cli", "--gateway-id", "gw-cli", "--pn-listen", $"127.0.0.1:{pnPort}", "--pairing-listen", $"127.0.0.1:{pairingPort}");
        try
        {
            await PnHarness.EventuallyAsync(() => File.Exists(Path.Combine(gatewayData, "control.sock")), "gateway control socket", 30_000);
            var (pairCode, pairOut) = await CpnsAsync("gateway", "pair", "--data", gatewayData, "--alias", "watch");
            Assert.Equal(0, pairCode);
            var code = CodePattern().Match(pairOut).Value;
            Assert.NotEmpty(code);

            var (devCode, devOut) = await CpnsAsync("device", "pair", "--data", deviceData, "--code", code, "--gateway", $"127.0.0.1:{pairingPort}", "--pne-id", "watch-1");
            Assert.True(devCode == 0, devOut);
            var (statusCode, statusOut) = await CpnsAsync("device", "status", "--data", deviceData);
            Assert.Equal(0, statusCode);
            Assert.Contains("PNE watch-1  PN pn-cli  gateway gw-cli", statusOut, StringComparison.Ordinal);
            var (gwStatusCode, gwStatus) = await CpnsAsync("gateway", "status", "--data", gatewayData);
            Assert.Equal(0, gwStatusCode);
            Assert.Contains("watch-1", gwStatus, StringComparison.Ordinal);
            Assert.DoesNotContain(code, gwStatus, StringComparison.Ordinal);
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            await gateway.WaitForExitAsync(PnHarness.Ct);
        }
    }

    [GeneratedRegex(@"\d{4}-\d{4}-\d{4}-\d{4}")]
    private static partial Regex CodePattern();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cpns.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<(int Code, string Output)> CpnsAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cpns.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(PnHarness.Ct);
        var error = process.StandardError.ReadToEndAsync(PnHarness.Ct);
        await process.WaitForExitAsync(PnHarness.Ct).WaitAsync(TimeSpan.FromSeconds(60), PnHarness.Ct);
        return (process.ExitCode, await output + await error);
    }
}
