using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cpns.Transport;

namespace Cpns.Server.Tests.Support;

/// <summary>
/// A Mosquitto broker on an ephemeral loopback port with TLS from the server's CA: client certificates required, the
/// certificate CN as user name, the topic ACL of docs/architecture.md. Skips the test when mosquitto is not installed.
/// </summary>
internal sealed class Mosquitto : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private Mosquitto(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Endpoint = new MqttBrokerEndpoint("127.0.0.1", port);
    }

    public MqttBrokerEndpoint Endpoint { get; }

    public static string? FindExecutable() =>
        new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/local/bin/mosquitto" }.FirstOrDefault(File.Exists);

    /// <summary>Issues the broker's certificate from the server's CA (creating it in the server's database) and starts Mosquitto.</summary>
    /// <param name="serverOptions">The server whose CA issues the broker's certificate.</param>
    /// <param name="maxKeepAlive">Mosquitto's <c>max_keepalive</c>: a client announcing more is told this one in its CONNACK.</param>
    public static async Task<Mosquitto> StartAsync(ServerOptions serverOptions, int? maxKeepAlive = null)
    {
        var executable = FindExecutable();
        if (executable is null)
        {
            Assert.Skip("mosquitto is not installed (.ci/run installs it).");
        }

        var directory = Path.Combine(Path.GetTempPath(), "cpns-mosquitto", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        await ServerHost.IssueBrokerCertificateAsync(serverOptions, directory, [], TestContext.Current.CancellationToken);
        var port = FreePort();
        await File.WriteAllTextAsync(Path.Combine(directory, "acl"), $"""
            # Gateways: their own uplink (write) and downlink (read) only. %u is the certificate CN.
            pattern write cpns/v1/gw/%u/up
            pattern read cpns/v1/gw/%u/down

            user {TopicPolicies.DefaultServerIdentity}
            topic readwrite cpns/v1/gw/#

            """, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "mosquitto.conf"), $"""
            per_listener_settings false
            user {Environment.UserName}
            allow_anonymous false
            persistence false
            log_dest stdout
            log_type error
            log_type warning
            log_type notice
            log_type subscribe
            listener {port} 127.0.0.1
            cafile {directory}/ca.crt
            certfile {directory}/broker.crt
            keyfile {directory}/broker.key
            require_certificate true
            use_identity_as_username true
            tls_version tlsv1.2
            acl_file {directory}/acl
            {(maxKeepAlive is { } seconds ? $"max_keepalive {seconds}" : "")}

            """, TestContext.Current.CancellationToken);
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(executable, ["-c", Path.Combine(directory, "mosquitto.conf")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        return new Mosquitto(process, directory, port);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
