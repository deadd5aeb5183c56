using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Cpns.Crypto;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Google.Protobuf;

namespace Cpns.Server.Tests.Support;

/// <summary>
/// A small PN GW for server tests, built from the real pieces: it enrolls over the REST API (ClientKeyPair, PKCS#10),
/// connects with <see cref="MqttConnection"/> and the issued certificate, speaks <see cref="EnvelopeCodec"/> envelopes
/// on its own topics, unwraps Group Keys with its <see cref="WrappingKey"/> and the AD of docs/architecture.md
/// (written out here independently of the server's code), answers notifications, deletes and syncs. Replaceable by
/// the real Cpns.Gateway later.
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly ConcurrentQueue<(Envelope Envelope, DateTime At)> _received = new();
    private readonly ConcurrentQueue<Envelope> _heldResponses = new();
    private readonly Dictionary<string, ulong> _held = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private MqttConnection? _connection;

    private TestGateway(string id, X509Certificate2 certificate, X509Certificate2 ca, WrappingKey key, MqttBrokerEndpoint broker)
    {
        Id = id;
        Certificate = certificate;
        Ca = ca;
        Key = key;
        Broker = broker;
    }

    public string Id { get; }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2 Ca { get; }

    public WrappingKey Key { get; }

    public MqttBrokerEndpoint Broker { get; }

    /// <summary>Answer notifications and deletes at once; when false, the answers are kept for <see cref="ReleaseHeldResponsesAsync"/>.</summary>
    public bool AutoRespond { get; set; } = true;

    /// <summary>Send a SyncRequest after every (re)connect, as a real gateway does.</summary>
    public bool SyncOnConnect { get; set; } = true;

    /// <summary>Every envelope received on the downlink, with the time it arrived.</summary>
    public IReadOnlyCollection<(Envelope Envelope, DateTime At)> Received => _received;

    /// <summary>Notifications accepted (a newer epoch): group, epoch, members, the unwrapped key.</summary>
    public ConcurrentQueue<(string GroupId, ulong Epoch, string[] Members, byte[] Key)> Accepted { get; } = new();

    /// <summary>Notifications of an epoch already held: answered OK and otherwise ignored.</summary>
    public ConcurrentQueue<(string GroupId, ulong Epoch)> Duplicates { get; } = new();

    public ConcurrentQueue<GroupKeyDelete> Deletes { get; } = new();

    public IEnumerable<GroupKeyNotification> Notifications =>
        _received.Select(r => r.Envelope).SelectMany(e => e.BodyCase switch
        {
            Envelope.BodyOneofCase.GroupKeyNotification => [e.GroupKeyNotification],
            Envelope.BodyOneofCase.SyncResponse => e.SyncResponse.Latest,
            _ => (IEnumerable<GroupKeyNotification>)[],
        });

    public static async Task<TestGateway> EnrollAsync(HttpClient anonymous, string token, string requestedCn = "ignored-name", MqttBrokerEndpoint? broker = null)
    {
        using var keyPair = ClientKeyPair.Create();
        var response = await anonymous.PostAsJsonAsync("/gateways/enroll", new { token, csr = Convert.ToBase64String(keyPair.CreateSigningRequest(requestedCn)) }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        using var issued = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(body.GetProperty("certificate").GetString()!));
        var certificate = keyPair.AttachCertificate(issued);
        var ca = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(body.GetProperty("caCertificate").GetString()!));
        var keyBytes = Convert.FromBase64String(body.GetProperty("gatewayKey").GetString()!);
        var key = WrappingKey.Import(keyBytes);
        CryptographicOperations.ZeroMemory(keyBytes);
        return new TestGateway(
            body.GetProperty("gatewayId").GetString()!, certificate, ca, key,
            broker ?? MqttBrokerEndpoint.Parse(body.GetProperty("mqtt").GetString()!));
    }

    /// <summary>The AD of the Group Key wrap, byte for byte as docs/architecture.md writes it.</summary>
    public static byte[] AssociatedData(string gatewayId, string groupId, ulong epoch)
    {
        var label = "cpns/v1/gk-to-gateway"u8.ToArray();
        var gw = Encoding.UTF8.GetBytes(gatewayId);
        var group = Encoding.UTF8.GetBytes(groupId);
        var ad = new byte[label.Length + 2 + gw.Length + 2 + group.Length + 8];
        var offset = 0;
        label.CopyTo(ad, offset);
        offset += label.Length;
        BinaryPrimitives.WriteUInt16BigEndian(ad.AsSpan(offset), (ushort)gw.Length);
        gw.CopyTo(ad, offset + 2);
        offset += 2 + gw.Length;
        BinaryPrimitives.WriteUInt16BigEndian(ad.AsSpan(offset), (ushort)group.Length);
        group.CopyTo(ad, offset + 2);
        offset += 2 + group.Length;
        BinaryPrimitives.WriteUInt64BigEndian(ad.AsSpan(offset), epoch);
        return ad;
    }

    public MqttConnection CreateConnection(string? clientId = null, bool persistentSession = true, TimeSpan? keepAlive = null) =>
        new(new MqttConnectionOptions
        {
            Broker = Broker,
            ClientId = clientId ?? Id,
            ClientCertificate = Certificate,
            CaCertificate = Ca,
            PersistentSession = persistentSession,
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlive = keepAlive ?? TimeSpan.FromSeconds(30),
        });

    /// <summary>Connects, subscribes to its downlink and (by default) syncs.</summary>
    public async Task ConnectAsync(bool persistentSession = true)
    {
        var connection = CreateConnection(persistentSession: persistentSession);
        connection.MessageReceived = OnMessageAsync;
        connection.Connected = async (_, ct) =>
        {
            if (SyncOnConnect)
            {
                await PublishAsync(SyncRequest(), cancellationToken: ct);
            }
        };
        _connection = connection;
        connection.Start();
        await connection.SubscribeAsync(Topics.GatewayDown(Id), TestContext.Current.CancellationToken);
    }

    public async Task DisconnectAsync()
    {
        if (_connection is { } c)
        {
            _connection = null;
            await c.DisposeAsync();
        }
    }

    public SyncRequest SyncRequest()
    {
        var request = new SyncRequest();
        lock (_lock)
        {
            request.Known.AddRange(_held.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new GroupEpoch { GroupId = h.Key, Epoch = h.Value }));
        }

        return request;
    }

    public ulong HeldEpoch(string groupId)
    {
        lock (_lock)
        {
            return _held.GetValueOrDefault(groupId);
        }
    }

    public async Task<Envelope> PublishAsync(IMessage body, Envelope? inReplyTo = null, string? senderId = null, CancellationToken cancellationToken = default)
    {
        var envelope = EnvelopeCodec.CreateEnvelope(body, senderId ?? Id, inReplyTo);
        await PublishRawAsync(EnvelopeCodec.Encode(envelope), cancellationToken);
        return envelope;
    }

    public Task PublishRawAsync(byte[] payload, CancellationToken cancellationToken = default) =>
        (_connection ?? throw new InvalidOperationException("not connected")).PublishAsync(
            Topics.GatewayUp(Id), payload, cancellationToken: cancellationToken == default ? TestContext.Current.CancellationToken : cancellationToken);

    public async Task ReleaseHeldResponsesAsync()
    {
        while (_heldResponses.TryDequeue(out var response))
        {
            await PublishRawAsync(EnvelopeCodec.Encode(response));
        }
    }

    public Task<PnInventoryAck> ReportInventoryAsync(string pnId, IEnumerable<string> registered, IEnumerable<string>? removed = null)
    {
        var report = new PnInventoryReport { PnId = pnId };
        report.Registered.AddRange(registered.Select(p => new PneRegistration { PneId = p, Alias = "alias " + p, RegisteredAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }));
        report.RemovedPneIds.AddRange(removed ?? []);
        return RequestAsync(report, e => e.PnInventoryAck);
    }

    /// <summary>Publishes a request and waits for the reply correlated with it.</summary>
    public async Task<T> RequestAsync<T>(IMessage body, Func<Envelope, T> select)
    {
        var sent = await PublishAsync(body);
        Envelope? reply = null;
        await WaitForAsync(() => (reply = _received.Select(r => r.Envelope).FirstOrDefault(e => e.CorrelationId == sent.MessageId)) is not null);
        return select(reply!);
    }

    public static async Task WaitForAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting" + (because is null ? "" : ": " + because));
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync();
        Key.Dispose();
        Certificate.Dispose();
        Ca.Dispose();
    }

    private async Task OnMessageAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var envelope = EnvelopeCodec.Decode(message.Payload.Span);
        _received.Enqueue((envelope, DateTime.UtcNow));
        switch (envelope.BodyCase)
        {
            case Envelope.BodyOneofCase.GroupKeyNotification:
                await OnNotificationAsync(envelope.GroupKeyNotification, envelope, cancellationToken);
                break;
            case Envelope.BodyOneofCase.GroupKeyDelete:
                await OnDeleteAsync(envelope.GroupKeyDelete, envelope, cancellationToken);
                break;
            case Envelope.BodyOneofCase.SyncResponse:
                foreach (var notification in envelope.SyncResponse.Latest)
                {
                    await OnNotificationAsync(notification, envelope, cancellationToken);
                }

                foreach (var delete in envelope.SyncResponse.Deletes)
                {
                    await OnDeleteAsync(delete, envelope, cancellationToken);
                }

                break;
        }
    }

    private async Task OnNotificationAsync(GroupKeyNotification n, Envelope carrier, CancellationToken cancellationToken)
    {
        var key = new byte[32];
        Status status;
        if (!Key.TryOpen(n.WrappedGroupKey.Span, AssociatedData(Id, n.GroupId, n.Epoch), key, out var written) || written != 32)
        {
            status = Status.DecryptFailed;
        }
        else
        {
            lock (_lock)
            {
                var held = _held.GetValueOrDefault(n.GroupId);
                if (n.Epoch < held)
                {
                    status = Status.StaleEpoch;
                }
                else if (n.Epoch == held)
                {
                    // A retransmission of what is already held: answered OK (docs/protocol.md), otherwise ignored.
                    Duplicates.Enqueue((n.GroupId, n.Epoch));
                    status = Status.Ok;
                }
                else
                {
                    _held[n.GroupId] = n.Epoch;
                    Accepted.Enqueue((n.GroupId, n.Epoch, [.. n.MemberPneIds], key));
                    status = Status.Ok;
                }
            }
        }

        await RespondAsync(new GroupKeyResponse { GroupId = n.GroupId, Epoch = n.Epoch, Status = status }, carrier, cancellationToken);
    }

    private async Task OnDeleteAsync(GroupKeyDelete d, Envelope carrier, CancellationToken cancellationToken)
    {
        Deletes.Enqueue(d);
        if (d.Reason == GroupKeyDeleteReason.GroupDeleted)
        {
            lock (_lock)
            {
                _held.Remove(d.GroupId);
            }
        }

        await RespondAsync(new GroupKeyDeleteResponse { GroupId = d.GroupId, Epoch = d.Epoch, Status = Status.Ok }, carrier, cancellationToken);
    }

    private async Task RespondAsync(IMessage body, Envelope carrier, CancellationToken cancellationToken)
    {
        var response = EnvelopeCodec.CreateEnvelope(body, Id, carrier);
        if (AutoRespond)
        {
            await PublishRawAsync(EnvelopeCodec.Encode(response), cancellationToken);
        }
        else
        {
            _heldResponses.Enqueue(response);
        }
    }
}
