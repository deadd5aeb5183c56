using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cpns.Cli.Demo;

namespace Cpns.EndToEnd.Tests.Support;

/// <summary>
/// Mosquitto on a free loopback port, configured the way docs/operations.md tells an operator to: certificates and
/// mosquitto.conf from <c>cpns server broker-cert --mosquitto-listen</c>. Skips the test when mosquitto is not installed.
/// </summary>
internal sealed class MosquittoProcess : IAsyncDisposable
{
    private readonly Process _process;

    private MosquittoProcess(Process process, int port)
    {
        _process = process;
        Endpoint = $"mqtts://127.0.0.1:{port}";
    }

    public string Endpoint { get; }

    public static async Task<MosquittoProcess> StartAsync(string serverData, string database, string masterKey, string directory, string log)
    {
        var executable = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists);
        if (executable is null)
        {
            Assert.Skip("mosquitto is not installed (.ci/run installs it).");
        }

        var port = FreePort();
        var environment = new Dictionary<string, string> { [Cpns.Server.ServerOptions.MasterKeyEnvironmentVariable] = masterKey };
        await using (var certs = CpnsProcess.Start("broker-cert", log, ["server", "broker-cert", "--data", serverData, "--db", database, "--out", directory, "--mosquitto-listen", $"127.0.0.1:{port}"], environment))
        {
            await certs.WaitForLineAsync(l => l.StartsWith("wrote ", StringComparison.Ordinal), TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        }

        var process = new Process { StartInfo = new ProcessStartInfo(executable, ["-c", Path.Combine(directory, "mosquitto.conf")]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
                return new MosquittoProcess(process, port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
