using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Cpns.Device.Groups;
using Cpns.Device.Messaging;
using Cpns.Device.Storage;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cpns.Device.Client;

/// <summary>
/// A PNE running for real (docs/device-client.md): pairs with a PN GW over its pairing listener, then connects to
/// the PN broker with its client certificate, gets its GKDK (flow 6.1.2.2), receives Group Key broadcasts and
/// deletes (flow 6.x.y steps 6–8) and answers them, and sends and receives group messages.
/// </summary>
/// <remarks>
/// Nothing received makes it throw: every refusal is logged with its <see cref="DeviceInputRefusal"/> and counted
/// (<see cref="GetRefusedCount"/>).
/// </remarks>
public sealed partial class DeviceClient : IAsyncDisposable
{
    /// <summary>The device key file in the data directory (32 bytes, 0600).</summary>
    public const string KeyFileName = "device.key";

    /// <summary>The key store file in the data directory.</summary>
    public const string StoreFileName = "device.store";

    private readonly DeviceClientOptions _options;
    private readonly DeviceKey _deviceKey;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<DeviceClient> _logger;
    private readonly GroupKeyReceiver _receiver;
    private readonly GroupMessenger _messenger;
    private readonly Channel<GroupMessageReceipt> _messages = Channel.CreateBounded<GroupMessageReceipt>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly ConcurrentDictionary<DeviceInputRefusal, long> _refusals = new();
    private MqttConnection? _connection;
    private X509Certificate2? _certificate;
    private X509Certificate2? _pnCa;
    private TaskCompletionSource<bool>? _gkdkWaiter;
    private int _disposed;

    private DeviceClient(DeviceClientOptions options, DeviceKey deviceKey, DeviceKeyStore store, ILoggerFactory loggerFactory)
    {
        _options = options;
        _deviceKey = deviceKey;
        Store = store;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DeviceClient>();
        _receiver = new GroupKeyReceiver(store);
        _messenger = new GroupMessenger(store, options.Messenger);
    }

    /// <summary>The PNE's key store.</summary>
    public DeviceKeyStore Store { get; }

    /// <summary>This PNE's id.</summary>
    public string PneId => Store.PneId;

    /// <summary>Called after every Group Key broadcast handled (group, epoch, outcome); for hosts and tests. Exceptions are logged.</summary>
    public Action<string, ulong, GroupKeyReceiveStatus>? GroupKeyHandled { get; set; }

    /// <summary>Called after every Group Key Delete handled (group, epoch, outcome). Exceptions are logged.</summary>
    public Action<string, ulong, GroupKeyDeleteStatus>? GroupKeyDeleted { get; set; }

    /// <summary>
    /// Pairs with a PN GW (EU-Key assignment, docs/pairing.md) and creates the PNE's data directory: device key,
    /// key store with the EU-Key, the PN client certificate and its key, and the pinned PN CA.
    /// </summary>
    /// <param name="options">The data directory (must not hold a store yet) and timeouts.</param>
    /// <param name="code">The pairing code the gateway shows.</param>
    /// <param name="pairingEndpoint">The gateway's pairing listener.</param>
    /// <param name="pneId">The id the PNE will have in the PN (its certificate CN).</param>
    /// <param name="pnId">The PN id, or null to read it from the pairing listener's certificate.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>The paired client, not yet connected to the PN broker.</returns>
    /// <exception cref="PairingFailedException">The gateway refused, the code is wrong, or the answers do not verify.</exception>
    /// <exception cref="FormatException">The code is not 16 digits.</exception>
    public static Task<DeviceClient> PairAsync(
        DeviceClientOptions options,
        string code,
        MqttBrokerEndpoint pairingEndpoint,
        string pneId,
        string? pnId = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(pairingEndpoint);
        if (!Topics.IsValidId(pneId))
        {
            throw new ArgumentException("A PNE id is 1 to 128 characters of [A-Za-z0-9._:-].", nameof(pneId));
        }

        return PairCoreAsync(options, code, pairingEndpoint, pneId, pnId, loggerFactory ?? NullLoggerFactory.Instance, cancellationToken);
    }

    /// <summary>Opens a paired PNE's data directory.</summary>
    /// <param name="options">The data directory.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>The client, not yet connected.</returns>
    /// <exception cref="DeviceStoreException">No store, a tampered store, or a wrong device key.</exception>
    public static async Task<DeviceClient> OpenAsync(DeviceClientOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = Path.GetFullPath(options.DataDirectory);
        var deviceKey = DeviceKey.LoadFile(Path.Combine(directory, KeyFileName));
        try
        {
            var store = await DeviceKeyStore.OpenAsync(Path.Combine(directory, StoreFileName), deviceKey, null, options.Store, cancellationToken).ConfigureAwait(false);
            return new DeviceClient(options, deviceKey, store, loggerFactory ?? NullLoggerFactory.Instance);
        }
        catch
        {
            deviceKey.Dispose();
            throw;
        }
    }

    /// <summary>How many inputs were refused for <paramref name="reason"/>.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The count.</returns>
    public long GetRefusedCount(DeviceInputRefusal reason) => _refusals.TryGetValue(reason, out var n) ? n : 0;

    /// <summary>
    /// Connects to the PN broker with the PNE's certificate (the broker must chain to the pinned PN CA), subscribes
    /// to its down topic, asks for its GKDK if it has none (flow 6.1.2.2 step 1) and waits for it, then subscribes
    /// to the PN's group broadcasts (retained: the latest epoch of each group arrives at once) and group messages.
    /// Reconnects by itself until disposed.
    /// </summary>
    /// <param name="pnEndpoint">The PN broker.</param>
    /// <param name="cancellationToken">Gives up starting.</param>
    /// <returns>A task that completes when subscribed.</returns>
    /// <exception cref="InvalidOperationException">Not paired, or already started.</exception>
    public async Task StartAsync(MqttBrokerEndpoint pnEndpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pnEndpoint);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_connection is not null)
        {
            throw new InvalidOperationException("The client is already started.");
        }

        _certificate = await Store.GetClientCertificateAsync(cancellationToken).ConfigureAwait(false);
        _pnCa = await Store.GetPnCaCertificateAsync(cancellationToken).ConfigureAwait(false);
        var pnId = Store.PnId;
        if (_certificate is null || _pnCa is null || pnId is null)
        {
            throw new InvalidOperationException("The device is not paired: run pairing first.");
        }

        _connection = new MqttConnection(
            new MqttConnectionOptions
            {
                Broker = pnEndpoint,
                ClientId = PneId,
                ClientCertificate = _certificate,
                CaCertificate = _pnCa,
                ReconnectDelay = _options.ReconnectDelay,
                MaxReconnectDelay = _options.MaxReconnectDelay,
            },
            _loggerFactory);
        _connection.MessageReceived = OnMessageAsync;
        _connection.Start();
        await _connection.SubscribeAsync(Topics.PneDown(pnId, PneId), cancellationToken).ConfigureAwait(false);
        if (!Store.HasGkdk)
        {
            await RequestGkdkAsync(pnId, cancellationToken).ConfigureAwait(false);
        }

        await _connection.SubscribeAsync(Topics.PnGroupsAll(pnId), cancellationToken).ConfigureAwait(false);
        await _connection.SubscribeAsync(Topics.PnMessagesAll(pnId), cancellationToken).ConfigureAwait(false);
        Log.Started(_logger, PneId, pnId, pnEndpoint.ToString(), Store.Leaf ?? -1);
    }

    /// <summary><see cref="StartAsync"/>, then runs until <paramref name="cancellationToken"/> is cancelled (Ctrl+C), then disconnects.</summary>
    /// <param name="pnEndpoint">The PN broker.</param>
    /// <param name="cancellationToken">Stops the client.</param>
    /// <returns>A task that completes when stopped.</returns>
    public async Task RunAsync(MqttBrokerEndpoint pnEndpoint, CancellationToken cancellationToken)
    {
        await StartAsync(pnEndpoint, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutdown is not an error.
        }
    }

    /// <summary>Seals <paramref name="payload"/> to the group under its current Group Key and publishes it on this PNE's up topic.</summary>
    /// <param name="groupId">The Service Group.</param>
    /// <param name="payload">The application data, at most 64 KiB.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>A task that completes when the PN broker acknowledged the message.</returns>
    /// <exception cref="InvalidOperationException">Not started, or the PNE holds no key of the group.</exception>
    public async Task SendAsync(string groupId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var connection = _connection ?? throw new InvalidOperationException("Start the client first.");
        var sealedMessage = await _messenger.SealAsync(groupId, payload, cancellationToken).ConfigureAwait(false);
        await connection.PublishAsync(Topics.PneUp(Store.PnId!, PneId), sealedMessage, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The group messages opened, as they arrive (also those held until their key came).</summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The messages.</returns>
    public IAsyncEnumerable<GroupMessageReceipt> ReadMessagesAsync(CancellationToken cancellationToken = default) =>
        _messages.Reader.ReadAllAsync(cancellationToken);

    /// <summary>PN, leaf, groups and epochs; never key bytes.</summary>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>The status.</returns>
    public async Task<DeviceStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var groups = await Store.GetGroupsAsync(cancellationToken).ConfigureAwait(false);
        return new DeviceStatus(PneId, Store.PnId, Store.GatewayId, Store.Leaf, Store.HasGkdk, groups);
    }

    /// <summary>Disconnects (the broker keeps the session) and wipes the keys held in memory.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        _messages.Writer.TryComplete();
        _certificate?.Dispose();
        _pnCa?.Dispose();
        Store.Dispose();
        _deviceKey.Dispose();
    }

    private async Task RequestGkdkAsync(string pnId, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _gkdkWaiter, waiter);
        var request = EnvelopeCodec.CreateEnvelope(new GkdkAssignmentRequest { PneId = PneId }, PneId);
        await _connection!.PublishAsync(Topics.PneUp(pnId, PneId), EnvelopeCodec.Encode(request), cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.GkdkRequested(_logger, PneId);
        try
        {
            await waiter.Task.WaitAsync(_options.GkdkTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Go on without: broadcasts are answered NOT_A_RECIPIENT until the GKDK arrives (a late answer is still installed).
            Log.GkdkTimeout(_logger, PneId);
        }
    }

    private void Count(DeviceInputRefusal reason, string topic, string detail, string? status = null)
    {
        _refusals.AddOrUpdate(reason, 1, (_, n) => n + 1);
        Log.InputRefused(_logger, topic, reason, detail);

        // The status of these two is the receiver's outcome (an enum name), low in cardinality: a useful tag; the
        // detail may say more (an epoch), which a metric tag must not.
        Diagnostics.DeviceMetrics.InputRefused(reason, reason is DeviceInputRefusal.GroupKeyNotStored or DeviceInputRefusal.GroupMessageRefused ? status ?? detail : null);
    }
}
