using Cpns.Crypto;
using Cpns.Gateway.Delivery;
using Cpns.Gateway.GkdkAssignment;
using Cpns.Gateway.Pairing;
using Cpns.Gateway.Registry;
using Microsoft.Extensions.Logging;
using System.Security.Cryptography;

namespace Cpns.Gateway.Tests.TestSupport;

/// <summary>
/// One PN Gateway on a real SQLite file in a temp directory, with every service, a hand-moved clock,
/// and the server's side of the per-gateway key. <see cref="RestartAsync"/> disposes everything and
/// opens the same data directory again.
/// </summary>
internal sealed class GatewayHarness : IAsyncDisposable
{
    public const string GatewayId = "gw-7f3a";
    public const string PnId = "pn-alice";

    /// <summary>The CSR bytes the harness's PNEs send; the issuer hook is the transport's to parse.</summary>
    public static readonly byte[] TestCsr = [0x30, 0x03, 0x02, 0x01, 0x00];

    private readonly ILoggerFactory? _loggerFactory;
    private readonly IPneCertificateIssuer? _issuer;

    private GatewayHarness(GatewayOptions options, TempDirectory directory, ILoggerFactory? loggerFactory, IPneCertificateIssuer? issuer)
    {
        Options = options;
        Directory = directory;
        _loggerFactory = loggerFactory;
        _issuer = issuer;
        RandomNumberGenerator.Fill(GatewayKeyBytes);
    }

    public GatewayOptions Options { get; }

    public TempDirectory Directory { get; }

    public ManualTimeProvider Time { get; } = new();

    /// <summary>The per-gateway key as the CPNS Server holds it.</summary>
    public byte[] GatewayKeyBytes { get; } = new byte[WrappingKey.KeySize];

    public IssuedPneCertificate? LastCertificate { get; private set; }

    public GatewayStore Store { get; private set; } = null!;

    public PairingService Pairing { get; private set; } = null!;

    public GkdkAssignmentService Gkdk { get; private set; } = null!;

    public GroupKeyDeliveryService Delivery { get; private set; } = null!;

    public GroupKeyDeleteService Deletes { get; private set; } = null!;

    public PneRegistryService Registry { get; private set; } = null!;

    public static async Task<GatewayHarness> StartAsync(
        Action<GatewayOptions>? configure = null,
        ILoggerFactory? loggerFactory = null,
        IPneCertificateIssuer? issuer = null,
        bool enroll = true)
    {
        var directory = new TempDirectory();
        var options = new GatewayOptions { DataDirectory = Path.Combine(directory.Path, "data"), TreeHeight = 8 };
        configure?.Invoke(options);
        var harness = new GatewayHarness(options, directory, loggerFactory, issuer);
        await harness.OpenAsync();
        if (enroll)
        {
            await harness.Store.InitializeIdentityAsync(GatewayId, PnId, TestContext.Current.CancellationToken);
            using var key = WrappingKey.Import(harness.GatewayKeyBytes);
            await harness.Store.SetGatewayKeyAsync(key, TestContext.Current.CancellationToken);
        }

        return harness;
    }

    public async Task RestartAsync()
    {
        Close();
        await OpenAsync();
    }

    /// <summary>Pairs a PNE the way the device library will: DevicePairing from the code, over the service's answers.</summary>
    public async Task<TestPne> PairAsync(string pneId, string? alias = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var ticket = Pairing.StartPairing(alias);
        using var device = DevicePairing.Start(pneId, ticket.Code);
        var request = await Pairing.HandleRequestAsync(device.PairingId, pneId, device.PublicKey, ct);
        Assert.Equal(PairingStatus.Success, request.Status);
        Assert.True(device.TryAcceptGateway(request.PnId!, request.GatewayId!, request.GatewayPublicKey.Span, out var confirmation));
        var confirm = await Pairing.ConfirmAsync(device.PairingId, pneId, device.PublicKey, confirmation, TestCsr, ct);
        Assert.Equal(PairingStatus.Success, confirm.Status);
        LastCertificate = confirm.Certificate;
        Assert.True(device.TryFinish(confirm.GatewayConfirmation.Span, out var euKey));
        return new TestPne(pneId, euKey);
    }

    /// <summary>Runs flow 6.1.2.2 for the PNE and opens the GKDK with its EU-Key, as the PNE would.</summary>
    public async Task<GkdkAssignmentResult> AssignGkdkAsync(TestPne pne)
    {
        var result = await Gkdk.AssignGkdkAsync(pne.PneId, TestContext.Current.CancellationToken);
        Assert.Equal(GkdkAssignmentStatus.Assigned, result.Status);
        var plaintext = new byte[result.WrappedGkdk.Length];
        Assert.True(pne.EuKey.TryOpen(result.WrappedGkdk.Span, EndToEndAssociatedData.GkdkToPne(PnId, pne.PneId, result.Leaf), plaintext, out var written));
        pne.Gkdk?.Dispose();
        pne.Gkdk = Cpns.Crypto.Gkdk.Import(plaintext.AsSpan(0, written));
        CryptographicOperations.ZeroMemory(plaintext);
        return result;
    }

    public async Task<TestPne> PairWithGkdkAsync(string pneId)
    {
        var pne = await PairAsync(pneId);
        await AssignGkdkAsync(pne);
        return pne;
    }

    /// <summary>A Group Key Notification as the CPNS Server builds it, the key wrapped under the per-gateway key.</summary>
    public GroupKeyNotification Notification(GroupKey groupKey, params string[] members) =>
        Notification(groupKey, GatewayKeyBytes, GatewayId, members);

    public static GroupKeyNotification Notification(GroupKey groupKey, byte[] gatewayKeyBytes, string gatewayId, params string[] members)
    {
        using var key = WrappingKey.Import(gatewayKeyBytes);
        var bytes = new byte[GroupKey.KeySize];
        groupKey.ExportKey(bytes);
        var wrapped = key.Seal(bytes, EndToEndAssociatedData.GroupKeyToGateway(gatewayId, groupKey.GroupId, groupKey.Epoch));
        CryptographicOperations.ZeroMemory(bytes);
        return new GroupKeyNotification(groupKey.GroupId, groupKey.Epoch, wrapped, members, "test");
    }

    public ValueTask DisposeAsync()
    {
        Close();
        Directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task OpenAsync()
    {
        Store = await GatewayStore.OpenAsync(Options, Time, _loggerFactory, TestContext.Current.CancellationToken);
        Pairing = new PairingService(Store, _issuer);
        Gkdk = new GkdkAssignmentService(Store);
        Delivery = new GroupKeyDeliveryService(Store);
        Deletes = new GroupKeyDeleteService(Store);
        Registry = new PneRegistryService(Store);
    }

    private void Close()
    {
        Pairing?.Dispose();
        Store?.Dispose();
    }
}
