using Cpns.Crypto;
using Cpns.Device.Groups;
using Cpns.Device.Storage;
using Cpns.Device.Tests.Support;

namespace Cpns.Device.Tests.Groups;

public sealed class GroupKeyReceiverTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestPn _pn;

    public GroupKeyReceiverTests() => _pn = new TestPn(_dir, "pn-a");

    public void Dispose()
    {
        _pn.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task ReceiveAsync_MembersAndNonMember_MembersStoreNonMemberIsNotARecipient()
    {
        var a = await _pn.AddPneAsync("a", 1);
        var b = await _pn.AddPneAsync("b", 6);
        var c = await _pn.AddPneAsync("c", 11);
        using var gk = GroupKey.Create("g", 1);
        var broadcast = _pn.Broadcast(gk, a, b);

        Assert.Equal(GroupKeyReceiveStatus.Stored, await a.ReceiveAsync(broadcast));
        Assert.Equal(GroupKeyReceiveStatus.Stored, await b.ReceiveAsync(broadcast));
        Assert.Equal(GroupKeyReceiveStatus.NotARecipient, await c.ReceiveAsync(broadcast));

        Assert.True(await a.Store.ReadAsync(s => s.Groups["g"].Current!.KeyEquals(gk), TestContext.Current.CancellationToken));
        Assert.Null(await c.Store.GetGroupAsync("g", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReceiveAsync_RemovedPneKeepsOldGkdk_CannotReadLaterEpoch()
    {
        var a = await _pn.AddPneAsync("a", 2);
        var removed = await _pn.AddPneAsync("removed", 3);
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        Assert.Equal(GroupKeyReceiveStatus.Stored, await removed.ReceiveAsync(_pn.Broadcast(gk1, a, removed)));

        var later = _pn.Broadcast(gk2, a);

        Assert.Equal(GroupKeyReceiveStatus.NotARecipient, await removed.ReceiveAsync(later));
        Assert.Equal(GroupKeyReceiveStatus.Stored, await a.ReceiveAsync(later));
        Assert.Equal(1UL, (await removed.Store.GetGroupAsync("g", TestContext.Current.CancellationToken))!.Epoch);
    }

    [Fact]
    public async Task ReceiveAsync_SameBroadcastTwice_Duplicate()
    {
        var a = await _pn.AddPneAsync("a", 0);
        using var gk = GroupKey.Create("g", 4);
        var broadcast = _pn.Broadcast(gk, a);
        await a.ReceiveAsync(broadcast);

        Assert.Equal(GroupKeyReceiveStatus.Duplicate, await a.ReceiveAsync(broadcast));
    }

    [Fact]
    public async Task ReceiveAsync_OlderEpochAfterNewer_Rollback()
    {
        var a = await _pn.AddPneAsync("a", 0);
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        var old = _pn.Broadcast(gk1, a);
        await a.ReceiveAsync(_pn.Broadcast(gk2, a));

        Assert.Equal(GroupKeyReceiveStatus.Rollback, await a.ReceiveAsync(old));
    }

    [Fact]
    public async Task ReceiveAsync_OtherPn_WrongPn()
    {
        var a = await _pn.AddPneAsync("a", 0);
        using var gk = GroupKey.Create("g", 1);
        var b = _pn.Broadcast(gk, a);
        var forOtherPn = new GroupKeyBroadcast(b.Scheme, b.Suite, "pn-b", b.GroupId, b.Epoch, b.Header, b.Nonce, b.SealedKey);

        Assert.Equal(GroupKeyReceiveStatus.WrongPn, await a.ReceiveAsync(forOtherPn));
    }

    [Fact]
    public async Task ReceiveAsync_TamperedSealedKeyOrEpoch_AuthenticationFailed()
    {
        var a = await _pn.AddPneAsync("a", 0);
        using var gk = GroupKey.Create("g", 1);
        var b = _pn.Broadcast(gk, a);
        var sealedKey = b.SealedKey.ToArray();
        sealedKey[3] ^= 1;
        var tamperedKey = new GroupKeyBroadcast(b.Scheme, b.Suite, b.PnId, b.GroupId, b.Epoch, b.Header, b.Nonce, sealedKey);
        var tamperedEpoch = new GroupKeyBroadcast(b.Scheme, b.Suite, b.PnId, b.GroupId, 9, b.Header, b.Nonce, b.SealedKey);

        Assert.Equal(GroupKeyReceiveStatus.AuthenticationFailed, await a.ReceiveAsync(tamperedKey));
        Assert.Equal(GroupKeyReceiveStatus.AuthenticationFailed, await a.ReceiveAsync(tamperedEpoch));
        Assert.Null(await a.Store.GetGroupAsync("g", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReceiveAsync_MalformedBroadcasts_Malformed()
    {
        var a = await _pn.AddPneAsync("a", 0);
        using var gk = GroupKey.Create("g", 1);
        var b = _pn.Broadcast(gk, a);

        Assert.Equal(GroupKeyReceiveStatus.Malformed, await a.ReceiveAsync(
            new GroupKeyBroadcast(b.Scheme, b.Suite, b.PnId, b.GroupId, b.Epoch, b.Header[..5], b.Nonce, b.SealedKey)));
        Assert.Equal(GroupKeyReceiveStatus.Malformed, await a.ReceiveAsync(
            new GroupKeyBroadcast(b.Scheme, b.Suite, b.PnId, b.GroupId, b.Epoch, b.Header, b.Nonce[..4], b.SealedKey)));
        Assert.Equal(GroupKeyReceiveStatus.Malformed, await a.ReceiveAsync(
            new GroupKeyBroadcast(BroadcastSchemeId.Direct, b.Suite, b.PnId, b.GroupId, b.Epoch, b.Header, b.Nonce, b.SealedKey)));
        Assert.Equal(GroupKeyReceiveStatus.Malformed, await a.ReceiveAsync(
            new GroupKeyBroadcast(b.Scheme, b.Suite, b.PnId, "", b.Epoch, b.Header, b.Nonce, b.SealedKey)));
        Assert.Equal(GroupKeyReceiveStatus.Malformed, await a.ReceiveAsync(
            new GroupKeyBroadcast(b.Scheme, b.Suite, b.PnId, b.GroupId, 0, b.Header, b.Nonce, b.SealedKey)));
    }

    [Fact]
    public async Task ReceiveAsync_RandomHeaders_NeverThrows()
    {
        var a = await _pn.AddPneAsync("a", 0);
        using var gk = GroupKey.Create("g", 1);
        var b = _pn.Broadcast(gk, a);
        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            var header = new byte[random.Next(0, 64)];
            random.NextBytes(header);
            var status = await a.ReceiveAsync(new GroupKeyBroadcast(b.Scheme, b.Suite, b.PnId, b.GroupId, b.Epoch, header, b.Nonce, b.SealedKey));

            Assert.NotEqual(GroupKeyReceiveStatus.Stored, status);
        }
    }

    [Fact]
    public async Task DeleteAsync_ThenRebroadcastOfDeletedEpoch_RolledBack()
    {
        var a = await _pn.AddPneAsync("a", 0);
        using var gk = GroupKey.Create("g", 2);
        var broadcast = _pn.Broadcast(gk, a);
        await a.ReceiveAsync(broadcast);

        Assert.Equal(GroupKeyDeleteStatus.Deleted, await a.Receiver.DeleteAsync("g", 2, TestContext.Current.CancellationToken));
        Assert.Equal(GroupKeyReceiveStatus.Rollback, await a.ReceiveAsync(broadcast));
        Assert.Equal(GroupKeyDeleteStatus.UnknownGroup, await a.Receiver.DeleteAsync("other", 1, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReceiveAsync_NoGkdkYet_NotARecipient()
    {
        using var key = DeviceKey.Import(new byte[32]);
        using var store = await DeviceKeyStore.CreateAsync(_dir.File("bare.store"), key, "bare", cancellationToken: TestContext.Current.CancellationToken);
        using var euKey = WrappingKey.Create();
        await store.SetPairingAsync("pn-a", "gw", euKey, TestContext.Current.CancellationToken);
        var a = await _pn.AddPneAsync("a", 0);
        using var gk = GroupKey.Create("g", 1);

        Assert.Equal(GroupKeyReceiveStatus.NotARecipient, await new GroupKeyReceiver(store).ReceiveAsync(_pn.Broadcast(gk, a), cancellationToken: TestContext.Current.CancellationToken));
    }
}
