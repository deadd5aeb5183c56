using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace Cpns.Transport;

/// <summary>
/// The broker's TLS listeners, plugged into MQTTnet as an <see cref="IMqttServerAdapter"/>. MQTTnet's own TLS
/// endpoint allows one endpoint with one client-certificate policy and does not report an ephemeral port; this
/// adapter binds any number of listeners (the authenticated one, and optionally the pairing one without client
/// certificates), reports their bound ports, pins TLS 1.2/1.3, validates client certificates against the CA, and
/// remembers per connection which listener it came from so the CONNECT check can apply the right rule.
/// </summary>
internal sealed partial class TlsServerAdapter : IMqttServerAdapter
{
    private readonly X509Certificate2 _serverCertificate;
    private readonly CertificateValidator _clientValidator;
    private readonly TimeSpan _handshakeTimeout;
    private readonly ILogger _logger;
    private readonly List<(TlsListenerKind Kind, IPEndPoint Requested)> _requested = [];
    private readonly List<Listener> _listeners = [];
    private readonly ConcurrentDictionary<IMqttChannelAdapter, TlsConnectionInfo> _connections = new();

    private CancellationTokenSource? _stopping;
    private SslStreamCertificateContext? _certificateContext;
    private MqttServerOptions? _serverOptions;
    private IMqttNetLogger? _mqttLogger;

    public TlsServerAdapter(X509Certificate2 serverCertificate, X509Certificate2 clientCa, TimeSpan handshakeTimeout, ILogger logger)
    {
        _serverCertificate = serverCertificate;
        _clientValidator = new CertificateValidator(clientCa);
        _handshakeTimeout = handshakeTimeout;
        _logger = logger;
    }

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public void AddListener(TlsListenerKind kind, IPEndPoint endPoint) => _requested.Add((kind, endPoint));

    public IPEndPoint? GetBoundEndPoint(TlsListenerKind kind) =>
        _listeners.FirstOrDefault(l => l.Kind == kind)?.BoundEndPoint;

    public bool TryGetConnection(IMqttChannelAdapter adapter, out TlsConnectionInfo info) =>
        _connections.TryGetValue(adapter, out info!);

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _serverOptions = options;
        _mqttLogger = logger;
        _stopping = new CancellationTokenSource();
        _certificateContext = CreateCertificateContext(_serverCertificate, _clientValidator.CaCertificate);

        try
        {
            foreach (var (kind, requested) in _requested)
            {
                var socket = new Socket(requested.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    // No explicit ReuseAddress: on Unix .NET already sets SO_REUSEADDR on every socket (a restart
                    // rebinds the port despite TIME_WAIT), and asking for ReuseAddress adds SO_REUSEPORT, which lets a
                    // second process bind the same port and take a share of the connections (port stealing; on
                    // Windows SO_REUSEADDR means the same). tests/Cpns.Security.Tests BrokerPortTests shows both.
                    socket.NoDelay = true;
                    socket.Bind(requested);
                    socket.Listen(512);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                var listener = new Listener(kind, socket, (IPEndPoint)socket.LocalEndPoint!);
                _listeners.Add(listener);
                LogListening(_logger, kind, listener.BoundEndPoint);
                listener.AcceptLoop = Task.Run(() => AcceptLoopAsync(listener, _stopping.Token));
            }
        }
        catch
        {
            CloseListeners();
            throw;
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        CloseListeners();
        foreach (var listener in _listeners)
        {
            if (listener.AcceptLoop is { } loop)
            {
                await loop.ConfigureAwait(false);
            }
        }

        _listeners.Clear();
        _stopping.Dispose();
        _stopping = null;
    }

    public void Dispose()
    {
        CloseListeners();
        _stopping?.Dispose();
        _stopping = null;
    }

    private static SslStreamCertificateContext CreateCertificateContext(X509Certificate2 certificate, X509Certificate2 clientCa)
    {
        // Advertise the CA in the CertificateRequest so that clients holding several certificates pick the one
        // from this CA. Windows (SChannel) cannot send a custom trust list; there the list is simply left out.
        try
        {
            var trust = SslCertificateTrust.CreateForX509Collection([clientCa], sendTrustInHandshake: true);
            return SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true, trust);
        }
        catch (PlatformNotSupportedException)
        {
            return SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        }
    }

    private void CloseListeners()
    {
        foreach (var listener in _listeners)
        {
            listener.Socket.Dispose();
        }
    }

    private async Task AcceptLoopAsync(Listener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.Socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException
                || (e is SocketException && cancellationToken.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException e)
            {
                // Transient (e.g. the peer reset before accept, or out of descriptors): log, breathe, go on.
                LogAcceptFailed(_logger, listener.BoundEndPoint, e);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            _ = Task.Run(() => HandleConnectionAsync(listener, client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task HandleConnectionAsync(Listener listener, Socket socket, CancellationToken cancellationToken)
    {
        var remote = socket.RemoteEndPoint;
        SslStream? ssl = null;
        var refusedByValidation = false;
        try
        {
            socket.NoDelay = true;
            ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            var options = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _certificateContext,
                ClientCertificateRequired = listener.Kind == TlsListenerKind.Authenticated,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    !(refusedByValidation = !ValidateClientCertificate(listener.Kind, remote, certificate)),
            };

            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_handshakeTimeout);
                await ssl.AuthenticateAsServerAsync(options, timeout.Token).ConfigureAwait(false);
            }

            var clientCertificate = ssl.RemoteCertificate switch
            {
                null => null,
                X509Certificate2 c => c,
                var c => X509CertificateLoader.LoadCertificate(c.GetRawCertData()),
            };

            if (ClientHandler is not { } handler || _serverOptions is null)
            {
                return;
            }

            var channel = new MqttTcpChannel(ssl, listener.BoundEndPoint, remote, clientCertificate);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_serverOptions.WriterBufferSize, _serverOptions.WriterBufferSizeMax));
            // MQTTnet writes a PUBLISH's header and payload apart by default: two TLS records and two sends per message.
            using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLogger!) { AllowPacketFragmentation = false };
            _connections[adapter] = new TlsConnectionInfo(listener.Kind, remote, clientCertificate);
            try
            {
                await handler(adapter).ConfigureAwait(false);
            }
            finally
            {
                _connections.TryRemove(adapter, out _);
            }
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or SocketException or System.ComponentModel.Win32Exception)
        {
            // A failed or abandoned handshake is the peer's problem, not the broker's: log and drop it.
            if (!cancellationToken.IsCancellationRequested)
            {
                LogHandshakeFailed(_logger, listener.Kind, remote, e.Message);
                if (!refusedByValidation)
                {
                    TransportMeter.ConnectionRefused("tls handshake failed");
                }
            }
        }
        catch (Exception e)
        {
            // The outer boundary of one connection: one bad peer never stops the broker.
            LogConnectionFailed(_logger, remote, e);
        }
        finally
        {
            if (ssl is not null)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }
        }
    }

    private bool ValidateClientCertificate(TlsListenerKind kind, EndPoint? remote, X509Certificate? certificate)
    {
        if (certificate is null)
        {
            if (kind == TlsListenerKind.Authenticated)
            {
                LogClientCertificateRefused(_logger, remote, "no client certificate");
                TransportMeter.ConnectionRefused("no client certificate");
                return false;
            }

            return true;
        }

        // The platform's SslPolicyErrors judge against the system trust store, which does not hold our CA:
        // the pinned-CA chain below replaces that judgement entirely.
        var certificate2 = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!_clientValidator.Validate(certificate2, CertificatePurpose.Client, out var reason))
        {
            LogClientCertificateRefused(_logger, remote, reason);
            TransportMeter.ConnectionRefused("client certificate invalid");
            return false;
        }

        return true;
    }

    private sealed class Listener(TlsListenerKind kind, Socket socket, IPEndPoint boundEndPoint)
    {
        public TlsListenerKind Kind { get; } = kind;

        public Socket Socket { get; } = socket;

        public IPEndPoint BoundEndPoint { get; } = boundEndPoint;

        public Task? AcceptLoop { get; set; }
    }
}
