using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cpns.Cli.Demo;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// Mosquitto as the server's external broker, configured by <c>cpns server broker-cert --mosquitto-listen</c> from the
/// server's own (SQLite) data directory, and restartable on the same port: <see cref="RestartAsync"/> kills it with
/// SIGKILL (its configuration has <c>persistence false</c>, so every session and queued message is lost) and starts
/// it again. Skips the test when mosquitto is not installed.
/// </summary>
internal sealed class FaultMosquitto : IAsyncDisposable
{
    private readonly string _executable;
    private readonly string _config;
    private readonly int _port;
    private Process? _process;

    private FaultMosquitto(string executable, string config, int port)
    {
        _executable = executable;
        _config = config;
        _port = port;
    }

    public string Endpoint => $"mqtts://127.0.0.1:{_port}";

    public static async Task<FaultMosquitto> StartAsync(string serverData, string directory, string log)
    {
        var executable = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists);
        if (executable is null)
        {
            Assert.Skip("mosquitto is not installed (.ci/run installs it).");
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var (exit, output) = await CpnsProcess.RunAsync(log, ["server", "broker-cert", "--data", serverData, "--out", directory, "--mosquitto-listen", $"127.0.0.1:{port}"], TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        Assert.True(exit == 0, $"cpns server broker-cert failed ({exit}): {output}");
        var broker = new FaultMosquitto(executable, Path.Combine(directory, "mosquitto.conf"), port);
        await broker.StartProcessAsync();
        return broker;
    }

    /// <summary>SIGKILL, then a new mosquitto on the same port.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private async Task KillAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
        }
    }

    private async Task StartProcessAsync()
    {
        var process = new Process { StartInfo = new ProcessStartInfo(_executable, ["-c", _config]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, _port, TestContext.Current.CancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
    }
}
