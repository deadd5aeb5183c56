using Cpns.Crypto;
using Cpns.Device.Groups;
using Cpns.Device.Messaging;
using Cpns.Device.Storage;

namespace Cpns.Device.Tests.Support;

/// <summary>
/// One PN for tests: a gateway's key material set and PNEs, each with a real key store file, a
/// receiver and a messenger. Broadcasts are built with Cpns.Crypto exactly as a PN GW would.
/// </summary>
internal sealed class TestPn : IDisposable
{
    private readonly TempDirectory _directory;
    private readonly List<TestPne> _pnes = [];

    public TestPn(TempDirectory directory, string pnId, int height = 4)
    {
        _directory = directory;
        PnId = pnId;
        KeyMaterialSet = KeyMaterialSet.Create(height);
    }

    public string PnId { get; }

    public KeyMaterialSet KeyMaterialSet { get; }

    public ManualTimeProvider Clock { get; } = new();

    public async Task<TestPne> AddPneAsync(string pneId, int leaf)
    {
        var deviceKey = DeviceKey.CreateFile(_directory.File($"{pneId}.key"));
        var options = new DeviceKeyStoreOptions { TimeProvider = Clock };
        var store = await DeviceKeyStore.CreateAsync(_directory.File($"{pneId}.store"), deviceKey, pneId, options, TestContext.Current.CancellationToken);
        using (var euKey = WrappingKey.Create())
        {
            await store.SetPairingAsync(PnId, "gw-" + PnId, euKey, TestContext.Current.CancellationToken);
        }

        using (var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(KeyMaterialSet, leaf))
        {
            await store.SetGkdkAsync(gkdk, TestContext.Current.CancellationToken);
        }

        var pne = new TestPne(pneId, leaf, deviceKey, store, new GroupMessengerOptions { TimeProvider = Clock });
        _pnes.Add(pne);
        return pne;
    }

    public GroupKeyBroadcast Broadcast(GroupKey groupKey, params TestPne[] members) =>
        BroadcastScheme.SubsetDifference.Encrypt(KeyMaterialSet, members.Select(m => m.Leaf).ToArray(), groupKey, PnId);

    public void Dispose()
    {
        foreach (var pne in _pnes)
        {
            pne.Dispose();
        }

        KeyMaterialSet.Dispose();
    }
}

internal sealed class TestPne : IDisposable
{
    public TestPne(string pneId, int leaf, DeviceKey deviceKey, DeviceKeyStore store, GroupMessengerOptions options)
    {
        PneId = pneId;
        Leaf = leaf;
        DeviceKey = deviceKey;
        Store = store;
        Receiver = new GroupKeyReceiver(store);
        Messenger = new GroupMessenger(store, options);
    }

    public string PneId { get; }

    public int Leaf { get; }

    public DeviceKey DeviceKey { get; }

    public DeviceKeyStore Store { get; }

    public GroupKeyReceiver Receiver { get; }

    public GroupMessenger Messenger { get; }

    public Task<GroupKeyReceiveStatus> ReceiveAsync(GroupKeyBroadcast broadcast, GroupKeyUpdateReason reason = GroupKeyUpdateReason.Unspecified) =>
        Receiver.ReceiveAsync(broadcast, reason, TestContext.Current.CancellationToken);

    public Task<byte[]> SealAsync(string groupId, string text) =>
        Messenger.SealAsync(groupId, System.Text.Encoding.UTF8.GetBytes(text), TestContext.Current.CancellationToken);

    public Task<GroupMessageReceipt> OpenAsync(byte[] message) =>
        Messenger.OpenAsync(message, TestContext.Current.CancellationToken);

    public void Dispose()
    {
        Store.Dispose();
        DeviceKey.Dispose();
    }
}
