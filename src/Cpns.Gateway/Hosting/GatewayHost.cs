using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Cpns.Gateway.Delivery;
using Cpns.Gateway.GkdkAssignment;
using Cpns.Gateway.Pairing;
using Cpns.Gateway.Registry;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cpns.Gateway.Hosting;

/// <summary>
/// The PN Gateway's PN-facing host (docs/gateway-host.md): the PN CA, the PN broker over TLS with its pairing
/// listener, the gateway's own MQTT identity on it, and the glue that turns every PNE and pairing message into a
/// call of the gateway core and publishes the answer. Group Key Notifications and Deletes come in through
/// <see cref="HandleServerEnvelopeAsync"/>; what the gateway sends the server unasked goes to an
/// <see cref="IServerUplink"/>.
/// </summary>
/// <remarks>
/// Every input from a PNE is decoded strictly and checked against the topic it came on; a refusal is logged with
/// its <see cref="PneInputRefusal"/> and counted (<see cref="GetRefusedCount"/>), and the host goes on.
/// </remarks>
public sealed partial class GatewayHost : IAsyncDisposable
{
    /// <summary>The file the PN broker keeps its retained messages in (the latest broadcast of each group).</summary>
    public const string RetainedFileName = "retained.bin";

    private readonly GatewayStore _store;
    private readonly PnCertificateAuthority _ca;
    private readonly IServerUplink? _uplink;
    private readonly ILogger<GatewayHost> _logger;
    private readonly ConcurrentDictionary<string, byte> _removed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<PneInputRefusal, long> _refusals = new();
    private readonly ConcurrentDictionary<string, PendingPairingRequest> _pairingRequests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string GroupId, ulong Epoch), byte> _reported = new();
    private readonly CancellationTokenSource _stopping = new();
    private MqttBroker? _broker;
    private X509Certificate2? _serverCertificate;
    private int _disposed;

    private GatewayHost(GatewayStore store, PnCertificateAuthority ca, IServerUplink? uplink, ILoggerFactory loggerFactory)
    {
        _store = store;
        _ca = ca;
        _uplink = uplink;
        _logger = loggerFactory.CreateLogger<GatewayHost>();
        PnId = store.RequirePnId();
        GatewayId = store.RequireGatewayId();
        Pairing = new PairingService(store, ca);
        Gkdk = new GkdkAssignmentService(store);
        Delivery = new GroupKeyDeliveryService(store);
        Deletes = new GroupKeyDeleteService(store);
        Registry = new PneRegistryService(store);
    }

    /// <summary>The gateway id (its certificates' CN).</summary>
    public string GatewayId { get; }

    /// <summary>The PN id.</summary>
    public string PnId { get; }

    /// <summary>The PN broker (client certificates from <see cref="CaCertificate"/> required).</summary>
    public MqttBrokerEndpoint PnEndpoint => _broker!.Endpoint;

    /// <summary>The pairing listener.</summary>
    public MqttBrokerEndpoint PairingEndpoint => _broker!.PairingEndpoint!;

    /// <summary>The PN CA certificate (public part): what a paired PNE pins.</summary>
    public X509Certificate2 CaCertificate => _ca.Certificate;

    /// <summary>The gateway's state.</summary>
    public GatewayStore Store => _store;

    /// <summary>Pairing sessions (EU-Key assignment).</summary>
    public PairingService Pairing { get; }

    /// <summary>Flow 6.1.2.2.</summary>
    public GkdkAssignmentService Gkdk { get; }

    /// <summary>Flow 6.x.y.</summary>
    public GroupKeyDeliveryService Delivery { get; }

    /// <summary>Group Key Delete.</summary>
    public GroupKeyDeleteService Deletes { get; }

    /// <summary>The PNE registry.</summary>
    public PneRegistryService Registry { get; }

    internal PnCertificateAuthority CertificateAuthority => _ca;

    /// <summary>Test hook: every payload the gateway receives (inbound true) or publishes, as it is on the wire.</summary>
    internal Action<string, ReadOnlyMemory<byte>, bool>? WireTap { get; set; }

    /// <summary>
    /// Opens the data directory, creates the identity and the PN CA on the first start, starts the PN broker and
    /// connects to it as the gateway. Republishes the latest broadcast of every group (retained).
    /// </summary>
    /// <param name="options">Identity, data directory, listeners.</param>
    /// <param name="uplink">The server link, or null until there is one (reports are logged and dropped).</param>
    /// <param name="loggerFactory">Where logs go.</param>
    /// <param name="timeProvider">The clock (pairing expiry).</param>
    /// <param name="cancellationToken">Gives up starting.</param>
    /// <returns>The running host.</returns>
    /// <exception cref="GatewayStartupException">The data directory cannot be opened, or has no identity and none was given.</exception>
    public static async Task<GatewayHost> StartAsync(
        GatewayHostOptions options,
        IServerUplink? uplink = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Gateway);
        loggerFactory ??= NullLoggerFactory.Instance;
        var store = await GatewayStore.OpenAsync(options.Gateway, timeProvider, loggerFactory, cancellationToken).ConfigureAwait(false);
        GatewayHost? host = null;
        try
        {
            if (options.GatewayId is not null || options.PnId is not null)
            {
                if (!Topics.IsValidId(options.GatewayId) || !Topics.IsValidId(options.PnId))
                {
                    GatewayThrow.Argument(nameof(options), "GatewayId and PnId must both be 1 to 128 characters of [A-Za-z0-9._:-].");
                }

                await store.InitializeIdentityAsync(options.GatewayId, options.PnId, cancellationToken).ConfigureAwait(false);
            }
            else if (store.GatewayId is null)
            {
                GatewayThrow.Startup("The data directory has no gateway identity yet: give the gateway id and PN id.");
            }

            var directory = Path.GetFullPath(options.Gateway.DataDirectory);
            var ca = PnCertificateAuthority.LoadOrCreate(store, directory);
            host = new GatewayHost(store, ca, uplink, loggerFactory);
            await host.StartCoreAsync(options, directory, loggerFactory, cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            if (host is not null)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                store.Dispose();
            }

            throw;
        }
    }

    /// <summary>How many inputs were refused for <paramref name="reason"/> since start.</summary>
    /// <param name="reason">The refusal reason.</param>
    /// <returns>The count.</returns>
    public long GetRefusedCount(PneInputRefusal reason) => _refusals.TryGetValue(reason, out var n) ? n : 0;

    /// <summary>Starts a pairing session (<c>cpns gateway pair</c>); the code is secret: show it, never log it.</summary>
    /// <param name="alias">The PNE's alias in the inventory.</param>
    /// <param name="timeToLive">How long the code works.</param>
    /// <returns>The ticket with the code.</returns>
    public PairingTicket StartPairing(string? alias = null, TimeSpan? timeToLive = null) => Pairing.StartPairing(alias, timeToLive);

    /// <summary>
    /// Removes a PNE from the PN (<c>cpns gateway remove-pne</c>): tells it to delete the Group Keys it holds
    /// (GroupKeyDelete, reason PNE_REMOVED_FROM_PN, on its down topic), removes it for good (its leaf is
    /// excluded from every later broadcast), refuses its subscriptions and publishes from now on, and reports
    /// the inventory to the server, which must update the keys of <see cref="RemovePneResult.AffectedGroupIds"/>.
    /// </summary>
    /// <param name="pneId">The PNE.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>The outcome and the groups whose key the PNE still holds.</returns>
    public async Task<RemovePneResult> RemovePneAsync(string pneId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        var result = await Registry.RemovePneAsync(pneId, cancellationToken).ConfigureAwait(false);
        if (result.Status != RemovePneStatus.Removed)
        {
            return result;
        }

        foreach (var groupId in result.AffectedGroupIds)
        {
            var epoch = await _store.RunAsync(
                db => db.Groups.AsNoTracking().Where(g => g.GroupId == groupId).Select(g => (long?)g.Epoch).SingleOrDefaultAsync(cancellationToken),
                cancellationToken).ConfigureAwait(false);
            if (epoch is { } e)
            {
                var delete = new Protocol.V1.GroupKeyDelete { GroupId = groupId, Epoch = (ulong)e, Reason = GroupKeyDeleteReason.PneRemovedFromPn };
                delete.PneIds.Add(pneId);
                await PublishAsync(Topics.PneDown(PnId, pneId), EnvelopeCodec.CreateEnvelope(delete, GatewayId), retain: false, cancellationToken).ConfigureAwait(false);
            }
        }

        // Only now: the delete above had to reach the PNE's existing subscription.
        _removed[pneId] = 0;
        Log.PneRemoved(_logger, pneId, result.AffectedGroupIds.Count);
        await ReportInventoryAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>The status for <c>cpns gateway status</c>: PNEs, leaves, groups, epochs, delivery; never key bytes.</summary>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>The status.</returns>
    public Task<GatewayStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        _store.RunAsync(
            async db =>
            {
                var pnes = await db.Pnes.AsNoTracking().OrderBy(p => p.PneId).ToListAsync(cancellationToken).ConfigureAwait(false);
                var groups = await db.Groups.AsNoTracking().OrderBy(g => g.GroupId).ToListAsync(cancellationToken).ConfigureAwait(false);
                var members = await db.GroupMembers.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
                return new GatewayStatus(
                    GatewayId,
                    PnId,
                    PnEndpoint.ToString(),
                    _broker?.PairingEndpoint?.ToString(),
                    Pairing.PendingCount,
                    [.. pnes.Select(p => new GatewayPneStatus(p.PneId, p.Alias, p.Leaf, p.Removed))],
                    [.. groups.Select(g => new GatewayGroupStatus(
                        g.GroupId,
                        (ulong)g.Epoch,
                        members.Count(m => m.GroupId == g.GroupId),
                        members.Count(m => m.GroupId == g.GroupId && m.State == PneDeliveryState.Received)))]);
            },
            cancellationToken);

    /// <summary>Stops the broker (after the PNE messages being handled) and closes the store. Nothing is lost: the next start goes on.</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }

        Pairing.Dispose();
        _serverCertificate?.Dispose();
        _ca.Dispose();
        _store.Dispose();
        foreach (var pending in _pairingRequests.Values)
        {
            pending.Dispose();
        }

        _stopping.Dispose();
        Log.Stopped(_logger, GatewayId);
    }

    private async Task StartCoreAsync(GatewayHostOptions options, string directory, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var inventory = await Registry.GetInventoryAsync(cancellationToken).ConfigureAwait(false);
        foreach (var pne in inventory.Pnes.Where(p => p.Removed))
        {
            _removed[pne.PneId] = 0;
        }

        // The broker's TLS certificate is issued afresh at every start: clients pin the PN CA, not it, and no private
        // key but the CA's needs to be kept.
        // Kept for the broker's lifetime: its TLS listeners use it for every handshake.
        var serverCertificate = _serverCertificate = _ca.Authority.IssueServerCertificate(options.BrokerNames);
        _broker = await MqttBroker.StartAsync(
            new MqttBrokerOptions
            {
                ServerCertificate = serverCertificate,
                ClientCaCertificate = _ca.Certificate,
                AuthorizationPolicy = new GatewayBrokerPolicy(TopicPolicies.PnBroker(PnId, GatewayId), GatewayId, _removed),
                Address = options.Address,
                Port = options.Port,
                EnablePairingListener = true,
                PairingPort = options.PairingPort,
                RetainedMessagesPath = Path.Combine(directory, RetainedFileName),
                ClientConnected = OnClientConnectedAsync,

                // The gateway takes its PNEs' messages inside its own broker: no TLS client connection to itself, no
                // subscription check over every session per message, and a PNE's PUBACK means its message was handled.
                LocalTopicFilters = [Topics.PneUpAll(PnId), Topics.PairingUpAll(PnId)],
                LocalReceiver = OnMessageAsync,
            },
            loggerFactory,
            cancellationToken).ConfigureAwait(false);

        await RepublishLatestAsync(cancellationToken).ConfigureAwait(false);
        Log.Started(_logger, GatewayId, PnId, _broker.Endpoint.ToString(), _broker.PairingEndpoint?.ToString());
    }

    private async Task RepublishLatestAsync(CancellationToken cancellationToken)
    {
        var groups = await _store.RunAsync(
            db => db.Groups.AsNoTracking().Select(g => new { g.GroupId, g.Reason }).ToListAsync(cancellationToken),
            cancellationToken).ConfigureAwait(false);
        foreach (var group in groups)
        {
            if (await Delivery.GetLatestBroadcastAsync(group.GroupId, cancellationToken).ConfigureAwait(false) is { } broadcast)
            {
                await PublishAsync(Topics.PnGroup(PnId, group.GroupId), ProtocolMapping.ToBroadcastEnvelope(broadcast, group.Reason, GatewayId), retain: true, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task OnMessageAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        WireTap?.Invoke(message.Topic, message.Payload, true);
        if (!Topics.TryParse(message.Topic, out var topic) || !string.Equals(topic.PnId, PnId, StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            switch (topic.Kind)
            {
                case TopicKind.PneUp:
                    await HandlePneUpAsync(topic.PneId!, message.Payload, cancellationToken).ConfigureAwait(false);
                    break;
                case TopicKind.PairingUp:
                    await HandlePairingUpAsync(topic.PairingId!, message.Payload, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The loop's outer boundary: one bad message never stops the gateway.
            Count(PneInputRefusal.InternalError);
            Diagnostics.GatewayMetrics.PneInputRefused.Add(1, new KeyValuePair<string, object?>("reason", nameof(PneInputRefusal.InternalError)), new KeyValuePair<string, object?>("status", string.Empty));
            Log.HandlingFailed(_logger, message.Topic, e);
        }
    }

    private Task OnClientConnectedAsync(string clientId)
    {
        if (string.Equals(clientId, GatewayId, StringComparison.Ordinal) || _removed.ContainsKey(clientId) || Volatile.Read(ref _disposed) != 0)
        {
            return Task.CompletedTask;
        }

        // Not inline: the broker is in the middle of accepting the client.
        _ = Task.Run(async () =>
        {
            try
            {
                var token = _stopping.Token;
                var pending = await Delivery.PendingForPneAsync(clientId, token).ConfigureAwait(false);
                foreach (var item in pending)
                {
                    var reason = await _store.RunAsync(
                        db => db.Groups.AsNoTracking().Where(g => g.GroupId == item.GroupId).Select(g => g.Reason).SingleOrDefaultAsync(token),
                        token).ConfigureAwait(false);
                    await PublishAsync(Topics.PneDown(PnId, clientId), ProtocolMapping.ToBroadcastEnvelope(item.Broadcast, reason, GatewayId), retain: false, token).ConfigureAwait(false);
                    Log.PointedBroadcast(_logger, clientId, item.GroupId, item.Epoch);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
            }
            catch (Exception e)
            {
                Log.HandlingFailed(_logger, "client connected " + clientId, e);
            }
        });
        return Task.CompletedTask;
    }

    private Task PublishAsync(string topic, Envelope envelope, bool retain, CancellationToken cancellationToken) =>
        PublishRawAsync(topic, EnvelopeCodec.Encode(envelope), retain, cancellationToken);

    // Internal so that tests/Cpns.Security.Tests can replay a captured broadcast through the gateway's own
    // broker, as a compromised or restored PN broker would redeliver it.
    internal Task PublishRawAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        WireTap?.Invoke(topic, payload, false);
        return _broker!.PublishAsync(topic, payload, retain, cancellationToken);
    }

    private void Count(PneInputRefusal reason) => _refusals.AddOrUpdate(reason, 1, (_, n) => n + 1);

    /// <summary>
    /// The PN's inventory as the server wants it (<c>PnInventoryReport</c>): every registered PNE and every removed
    /// one. Sent after each pairing and removal, and by the server link after every (re)connect.
    /// </summary>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>The report.</returns>
    public async Task<PnInventoryReport> CreateInventoryReportAsync(CancellationToken cancellationToken = default)
    {
        var inventory = await Registry.GetInventoryAsync(cancellationToken).ConfigureAwait(false);
        var report = new PnInventoryReport { PnId = PnId };
        foreach (var pne in inventory.Pnes)
        {
            if (pne.Removed)
            {
                report.RemovedPneIds.Add(pne.PneId);
            }
            else
            {
                report.Registered.Add(new PneRegistration { PneId = pne.PneId, Alias = pne.Alias ?? string.Empty, RegisteredAtUnixMs = pne.RegisteredAt.ToUnixTimeMilliseconds() });
            }
        }

        return report;
    }

    /// <summary>The epoch of every group the gateway holds a Group Key of (the <c>known</c> list of a <c>SyncRequest</c>).</summary>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>Group id and epoch, ordered by group id.</returns>
    public Task<IReadOnlyList<GroupEpoch>> GetGroupEpochsAsync(CancellationToken cancellationToken = default) =>
        _store.RunAsync<IReadOnlyList<GroupEpoch>>(
            async db => [.. (await db.Groups.AsNoTracking().OrderBy(g => g.GroupId).Select(g => new { g.GroupId, g.Epoch }).ToListAsync(cancellationToken).ConfigureAwait(false))
                .Select(g => new GroupEpoch { GroupId = g.GroupId, Epoch = (ulong)g.Epoch })],
            cancellationToken);

    private async Task ReportInventoryAsync(CancellationToken cancellationToken)
    {
        var report = await CreateInventoryReportAsync(cancellationToken).ConfigureAwait(false);
        await SendUplinkAsync(EnvelopeCodec.CreateEnvelope(report, GatewayId), cancellationToken).ConfigureAwait(false);
    }

    private async Task SendUplinkAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        if (_uplink is null)
        {
            Log.NoUplink(_logger, envelope.BodyCase.ToString());
            return;
        }

        await _uplink.SendAsync(envelope, cancellationToken).ConfigureAwait(false);
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
}
