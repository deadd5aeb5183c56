using System.Buffers;
using System.Security.Authentication;
using System.Threading.Channels;
using Cpns.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Cpns.Device.Client;

/// <summary>
/// The one-shot MQTT connection to a PN GW's pairing listener. Trust on pairing (docs/device-client.md): the
/// PNE has no PN CA yet, so the broker's TLS certificate is accepted as it is; TLS only encrypts, and the
/// gateway is authenticated by the pairing code's commitment to its key and by its confirmation.
/// </summary>
internal sealed class PairingChannel : IAsyncDisposable
{
    /// <summary>The PN CA's common name is this prefix and the PN id (the gateway's PnCertificateAuthority).</summary>
    public const string PnCaNamePrefix = "CPNS PN CA ";

    private readonly IMqttClient _client;
    private readonly Channel<byte[]> _inbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest });
    private string _up = string.Empty;
    private string? _issuerName;

    private PairingChannel(IMqttClient client) => _client = client;

    /// <summary>The PN id: given, or read from the pairing listener's certificate issuer ("CPNS PN CA {pnId}").</summary>
    public string PnId { get; private set; } = string.Empty;

    /// <summary>
    /// Connects. Without <paramref name="pnId"/> the PN id is read from the issuer of the listener's certificate:
    /// unauthenticated, like the certificate, but the PN id is bound into the pairing transcript, so a wrong one
    /// only makes the confirmations fail.
    /// </summary>
    public static async Task<PairingChannel> ConnectAsync(MqttBrokerEndpoint endpoint, string? pnId, string pairingIdHex, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var channel = new PairingChannel(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            channel._inbox.Writer.TryWrite(e.ApplicationMessage.Payload.ToArray());
            return Task.CompletedTask;
        };
        try
        {
            var tls = new MqttClientTlsOptionsBuilder()
                .UseTls(true)
                .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithTargetHost(endpoint.Host)
                // Trust on pairing: see the type's remarks.
                .WithCertificateValidationHandler(e =>
                {
                    channel._issuerName = e.Certificate is null ? null : new System.Security.Cryptography.X509Certificates.X500DistinguishedName(e.Certificate.Issuer).Format(false);
                    return true;
                })
                .Build();
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer(endpoint.Host, endpoint.Port)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithClientId(Topics.PairingClientId(pairingIdHex))
                .WithCleanStart(true)
                .WithTimeout(timeout)
                .WithTlsOptions(tls)
                .Build();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            linked.CancelAfter(timeout);
            var result = await client.ConnectAsync(options, linked.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new PairingFailedException($"The pairing listener refused the connection: {result.ResultCode}.");
            }

            channel.PnId = pnId ?? PnIdFromIssuer(channel._issuerName)
                ?? throw new PairingFailedException("The pairing listener's certificate does not name its PN; give the PN id.");
            channel._up = Topics.PairingUp(channel.PnId, pairingIdHex);
            var subscribe = await client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.PairingDown(channel.PnId, pairingIdHex), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                linked.Token).ConfigureAwait(false);
            if (subscribe.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
            {
                throw new PairingFailedException("The pairing listener refused the pairing topic: is the PN id right?");
            }

            return channel;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string? PnIdFromIssuer(string? issuer)
    {
        // X500DistinguishedName.Format(false) gives "CN=CPNS PN CA pn-1" (a single RDN for the PN CA).
        const string Prefix = "CN=" + PnCaNamePrefix;
        if (issuer is null || !issuer.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var id = issuer[Prefix.Length..];
        return Topics.IsValidId(id) ? id : null;
    }

    public async Task SendAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(_up).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
        {
            throw new PairingFailedException($"The pairing listener refused the message: {result.ReasonCode}.");
        }
    }

    public async Task<byte[]> ReceiveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linked.CancelAfter(timeout);
        try
        {
            return await _inbox.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PairingFailedException("The gateway did not answer in time: is the pairing listener address right and `cpns gateway run` running?");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or IOException)
            {
            }
        }

        _client.Dispose();
    }
}
