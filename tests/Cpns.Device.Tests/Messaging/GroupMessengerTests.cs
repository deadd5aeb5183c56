using System.Text;
using Cpns.Crypto;
using Cpns.Device.Groups;
using Cpns.Device.Messaging;
using Cpns.Device.Storage;
using Cpns.Device.Tests.Support;
using Cpns.Protocol.V1;
using CsCheck;
using Google.Protobuf;

namespace Cpns.Device.Tests.Messaging;

public sealed class GroupMessengerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestPn _pnA;
    private readonly TestPn _pnB;

    public GroupMessengerTests()
    {
        _pnA = new TestPn(_dir, "pn-a");
        _pnB = new TestPn(_dir, "pn-b");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _pnA.Dispose();
        _pnB.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task OpenAsync_MembersAcrossTwoPns_ExchangeMessages()
    {
        var a = await _pnA.AddPneAsync("a", 1);
        var b = await _pnA.AddPneAsync("b", 2);
        var c = await _pnB.AddPneAsync("c", 7);
        using var gk = GroupKey.Create("family", 1);
        await a.ReceiveAsync(_pnA.Broadcast(gk, a, b));
        await b.ReceiveAsync(_pnA.Broadcast(gk, a, b));
        await c.ReceiveAsync(_pnB.Broadcast(gk, c));

        var fromA = await a.SealAsync("family", "hello from a");
        var atB = await b.OpenAsync(fromA);
        var atC = await c.OpenAsync(fromA);
        var fromC = await c.SealAsync("family", "hello from c");
        var atA = await a.OpenAsync(fromC);

        Assert.Equal(GroupMessageStatus.Opened, atB.Status);
        Assert.Equal("hello from a", Encoding.UTF8.GetString(atB.Payload.Span));
        Assert.Equal("a", atB.SenderPneId);
        Assert.Equal(1UL, atB.Epoch);
        Assert.Equal(GroupMessageStatus.Opened, atC.Status);
        Assert.Equal("hello from c", Encoding.UTF8.GetString(atA.Payload.Span));
    }

    [Fact]
    public async Task SealAsync_ConsecutiveMessages_DistinctCountersAndCiphertexts()
    {
        var a = await Members1Async();
        var first = GroupMessage.Parser.ParseFrom(await a[0].SealAsync("g", "same"));
        var second = GroupMessage.Parser.ParseFrom(await a[0].SealAsync("g", "same"));

        Assert.Equal(1UL, first.Counter);
        Assert.Equal(2UL, second.Counter);
        Assert.NotEqual(first.Ciphertext, second.Ciphertext);
    }

    [Fact]
    public async Task OpenAsync_ReplayedMessage_Dropped()
    {
        var (a, b) = await PairAsync();
        var message = await a.SealAsync("g", "once");

        Assert.Equal(GroupMessageStatus.Opened, (await b.OpenAsync(message)).Status);
        var replay = await b.OpenAsync(message);

        Assert.Equal(GroupMessageStatus.Replay, replay.Status);
        Assert.True(replay.Payload.IsEmpty);
    }

    [Fact]
    public async Task OpenAsync_OutOfOrderWithinWindow_OpenedOnceEach()
    {
        var (a, b) = await PairAsync();
        var messages = new List<byte[]>();
        for (var i = 0; i < 5; i++)
        {
            messages.Add(await a.SealAsync("g", "m" + i));
        }

        foreach (var i in new[] { 4, 0, 2, 1, 3 })
        {
            Assert.Equal(GroupMessageStatus.Opened, (await b.OpenAsync(messages[i])).Status);
        }

        Assert.Equal(GroupMessageStatus.Replay, (await b.OpenAsync(messages[2])).Status);
    }

    [Fact]
    public async Task OpenAsync_EpochNotYetReceived_HeldThenOpenedWhenKeyArrives()
    {
        var (a, b) = await PairAsync();
        using var gk2 = GroupKey.Create("g", 2);
        var broadcast = _pnA.Broadcast(gk2, a, b);
        await a.ReceiveAsync(broadcast, GroupKeyUpdateReason.Periodic);
        var message = await a.SealAsync("g", "early");

        Assert.Equal(GroupMessageStatus.Held, (await b.OpenAsync(message)).Status);
        Assert.Equal(1, b.Messenger.HeldCount);
        Assert.Empty(await b.Messenger.OpenHeldAsync(Ct));

        await b.ReceiveAsync(broadcast, GroupKeyUpdateReason.Periodic);
        var released = await b.Messenger.OpenHeldAsync(Ct);

        var receipt = Assert.Single(released);
        Assert.Equal(GroupMessageStatus.Opened, receipt.Status);
        Assert.Equal("early", Encoding.UTF8.GetString(receipt.Payload.Span));
        Assert.Equal(0, b.Messenger.HeldCount);
    }

    [Fact]
    public async Task OpenHeldAsync_KeyNeverArrives_ExpiredAfterHoldTime()
    {
        var (a, b) = await PairAsync();
        using var gk2 = GroupKey.Create("g", 2);
        await a.ReceiveAsync(_pnA.Broadcast(gk2, a));
        Assert.Equal(GroupMessageStatus.Held, (await b.OpenAsync(await a.SealAsync("g", "x"))).Status);

        _pnA.Clock.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal(GroupMessageStatus.Expired, Assert.Single(await b.Messenger.OpenHeldAsync(Ct)).Status);
    }

    [Fact]
    public async Task OpenAsync_HoldQueueFull_HoldQueueFull()
    {
        var (a, _) = await PairAsync();
        var c = await _pnA.AddPneAsync("c", 9);
        using var gk1 = GroupKey.Create("g", 1);
        await c.ReceiveAsync(_pnA.Broadcast(gk1, c));
        using var gk2 = GroupKey.Create("g", 2);
        await a.ReceiveAsync(_pnA.Broadcast(gk2, a));
        var messenger = new GroupMessenger(c.Store, new GroupMessengerOptions { HoldCapacity = 2, TimeProvider = _pnA.Clock });
        var statuses = new List<GroupMessageStatus>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await messenger.OpenAsync(await a.SealAsync("g", "m"), Ct)).Status);
        }

        Assert.Equal([GroupMessageStatus.Held, GroupMessageStatus.Held, GroupMessageStatus.HoldQueueFull], statuses);
    }

    [Fact]
    public async Task OpenAsync_RemovedMember_CannotOpenMessagesSealedAfterRemoval()
    {
        var a = await _pnA.AddPneAsync("a", 1);
        var b = await _pnB.AddPneAsync("b", 4);
        var removed = await _pnA.AddPneAsync("removed", 5);
        using var gk1 = GroupKey.Create("g", 1);
        await a.ReceiveAsync(_pnA.Broadcast(gk1, a, removed));
        await removed.ReceiveAsync(_pnA.Broadcast(gk1, a, removed));
        await b.ReceiveAsync(_pnB.Broadcast(gk1, b));
        Assert.Equal(GroupMessageStatus.Opened, (await removed.OpenAsync(await a.SealAsync("g", "before"))).Status);
        var unopenedEpoch1 = await a.SealAsync("g", "before, unread");

        // The member leaves: the gateway broadcasts epoch 2 to the others only and deletes its key.
        using var gk2 = GroupKey.Create("g", 2);
        var next = _pnA.Broadcast(gk2, a);
        Assert.Equal(GroupKeyReceiveStatus.NotARecipient, await removed.ReceiveAsync(next, GroupKeyUpdateReason.MemberLeft));
        await a.ReceiveAsync(next, GroupKeyUpdateReason.MemberLeft);
        await b.ReceiveAsync(_pnB.Broadcast(gk2, b), GroupKeyUpdateReason.MemberLeft);

        var fromA = await a.SealAsync("g", "after");
        var fromB = await b.SealAsync("g", "after too");
        Assert.NotEqual(GroupMessageStatus.Opened, (await removed.OpenAsync(fromA)).Status);
        Assert.NotEqual(GroupMessageStatus.Opened, (await removed.OpenAsync(fromB)).Status);
        Assert.Equal(GroupMessageStatus.Opened, (await b.OpenAsync(fromA)).Status);

        // Once it processes its delete, epoch-1 traffic is refused as deleted and later epochs stay unreadable.
        await removed.Receiver.DeleteAsync("g", 1, Ct);
        Assert.Equal(GroupMessageStatus.KeyDeleted, (await removed.OpenAsync(unopenedEpoch1)).Status);
        Assert.Equal(GroupMessageStatus.Held, (await removed.OpenAsync(await a.SealAsync("g", "later"))).Status);
        _pnA.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.All(await removed.Messenger.OpenHeldAsync(Ct), r => Assert.Equal(GroupMessageStatus.Expired, r.Status));
    }

    [Fact]
    public async Task OpenAsync_OldEpochAfterCompromiseUpdate_EpochSuperseded()
    {
        var (a, b) = await PairAsync();
        var compromised = await _pnA.AddPneAsync("evil", 12);
        using var gk1 = GroupKey.Create("g", 1);
        await compromised.ReceiveAsync(_pnA.Broadcast(gk1, compromised));
        using var gk2 = GroupKey.Create("g", 2);
        await b.ReceiveAsync(_pnA.Broadcast(gk2, a, b), GroupKeyUpdateReason.MemberCompromised);

        // The compromised PNE still holds epoch 1 and keeps sending under it.
        var forged = await compromised.SealAsync("g", "trust me");

        Assert.Equal(GroupMessageStatus.EpochSuperseded, (await b.OpenAsync(forged)).Status);
    }

    [Fact]
    public async Task OpenAsync_OldEpochAfterRoutineRotation_OpenedDuringGraceOnly()
    {
        var (a, b) = await PairAsync();
        var inFlight1 = await a.SealAsync("g", "in flight 1");
        var inFlight2 = await a.SealAsync("g", "in flight 2");
        using var gk2 = GroupKey.Create("g", 2);
        await b.ReceiveAsync(_pnA.Broadcast(gk2, a, b), GroupKeyUpdateReason.Periodic);

        Assert.Equal(GroupMessageStatus.Opened, (await b.OpenAsync(inFlight1)).Status);
        _pnA.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(GroupMessageStatus.EpochSuperseded, (await b.OpenAsync(inFlight2)).Status);
    }

    [Fact]
    public async Task OpenAsync_DeletedGroup_KeyDeleted()
    {
        var (a, b) = await PairAsync();
        var message = await a.SealAsync("g", "bye");
        await b.Receiver.DeleteAsync("g", 1, Ct);

        Assert.Equal(GroupMessageStatus.KeyDeleted, (await b.OpenAsync(message)).Status);
        await Assert.ThrowsAsync<InvalidOperationException>(() => b.SealAsync("g", "no key"));
    }

    [Fact]
    public async Task OpenAsync_GroupNeverSeen_UnknownGroup()
    {
        var (a, _) = await PairAsync();
        var stranger = await _pnB.AddPneAsync("s", 0);

        Assert.Equal(GroupMessageStatus.UnknownGroup, (await stranger.OpenAsync(await a.SealAsync("g", "hi"))).Status);
    }

    [Fact]
    public async Task OpenAsync_TamperedCiphertext_AuthenticationFailed()
    {
        var (a, b) = await PairAsync();
        var message = GroupMessage.Parser.ParseFrom(await a.SealAsync("g", "payload"));
        var ciphertext = message.Ciphertext.ToByteArray();
        ciphertext[0] ^= 0x80;
        message.Ciphertext = ByteString.CopyFrom(ciphertext);

        Assert.Equal(GroupMessageStatus.AuthenticationFailed, (await b.OpenAsync(message.ToByteArray())).Status);
    }

    [Fact]
    public async Task OpenAsync_AuthenticatedFieldChanged_AuthenticationFailed()
    {
        var (a, b) = await PairAsync();
        var original = await a.SealAsync("g", "payload");
        var otherSender = GroupMessage.Parser.ParseFrom(original);
        otherSender.SenderPneId = "b";
        var otherCounter = GroupMessage.Parser.ParseFrom(original);
        otherCounter.Counter = 77;

        Assert.Equal(GroupMessageStatus.AuthenticationFailed, (await b.OpenAsync(otherSender.ToByteArray())).Status);
        Assert.Equal(GroupMessageStatus.AuthenticationFailed, (await b.OpenAsync(otherCounter.ToByteArray())).Status);
        // A failed forgery does not burn the real counter.
        Assert.Equal(GroupMessageStatus.Opened, (await b.OpenAsync(original)).Status);
    }

    [Fact]
    public async Task OpenAsync_OversizedOrMalformed_SpecificReason()
    {
        var (_, b) = await PairAsync();
        var bigPayload = new GroupMessage { GroupId = "g", Epoch = 1, SenderPneId = "a", Counter = 1, Ciphertext = ByteString.CopyFrom(new byte[GroupMessageCodec.MaxPayloadSize + 17]) };

        Assert.Equal(GroupMessageStatus.TooLarge, (await b.OpenAsync(new byte[GroupMessageCodec.MaxEncodedSize + 1])).Status);
        Assert.Equal(GroupMessageStatus.TooLarge, (await b.OpenAsync(bigPayload.ToByteArray())).Status);
        Assert.Equal(GroupMessageStatus.Malformed, (await b.OpenAsync([])).Status);
        Assert.Equal(GroupMessageStatus.Malformed, (await b.OpenAsync([0xFF, 0xFF, 0xFF])).Status);
        Assert.Equal(GroupMessageStatus.Malformed, (await b.OpenAsync(new GroupMessage { GroupId = "g", Epoch = 1, SenderPneId = "a", Counter = 0, Ciphertext = ByteString.CopyFrom(new byte[16]) }.ToByteArray())).Status);
        Assert.Equal(GroupMessageStatus.Malformed, (await b.OpenAsync(new GroupMessage { GroupId = "g", Epoch = 1, SenderPneId = "a", Counter = 1, Ciphertext = ByteString.CopyFrom(new byte[15]) }.ToByteArray())).Status);
        Assert.Equal(GroupMessageStatus.Malformed, (await b.OpenAsync(new GroupMessage { GroupId = new string('g', 257), Epoch = 1, SenderPneId = "a", Counter = 1, Ciphertext = ByteString.CopyFrom(new byte[16]) }.ToByteArray())).Status);
    }

    [Fact]
    public async Task SealAsync_PayloadOver64KiB_Throws()
    {
        var (a, _) = await PairAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => a.Messenger.SealAsync("g", new byte[GroupMessageCodec.MaxPayloadSize + 1], Ct));
        Assert.NotEmpty(await a.Messenger.SealAsync("g", new byte[GroupMessageCodec.MaxPayloadSize], Ct));
    }

    [Fact]
    public async Task OpenAsync_RandomBytes_NeverThrowsNeverOpens()
    {
        var (_, b) = await PairAsync();

        await Gen.Byte.Array[0, 512].SampleAsync(
            async bytes =>
            {
                var receipt = await b.Messenger.OpenAsync(bytes, Ct);
                Assert.NotEqual(GroupMessageStatus.Opened, receipt.Status);
            },
            iter: 3000);
    }

    [Fact]
    public async Task OpenAsync_ValidMessageWithRandomFlips_NeverThrowsNeverOpens()
    {
        var (a, b) = await PairAsync();
        var valid = await a.SealAsync("g", "a message long enough to flip bits in");

        await Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte[1, 255]).SampleAsync(
            async (index, mask) =>
            {
                var copy = (byte[])valid.Clone();
                copy[index] ^= mask;
                var receipt = await b.Messenger.OpenAsync(copy, Ct);
                Assert.NotEqual(GroupMessageStatus.Opened, receipt.Status);
            },
            iter: 2000);
    }

    private async Task<(TestPne A, TestPne B)> PairAsync()
    {
        var a = await _pnA.AddPneAsync("a", 1);
        var b = await _pnA.AddPneAsync("b", 2);
        using var gk = GroupKey.Create("g", 1);
        var broadcast = _pnA.Broadcast(gk, a, b);
        await a.ReceiveAsync(broadcast, GroupKeyUpdateReason.Created);
        await b.ReceiveAsync(broadcast, GroupKeyUpdateReason.Created);
        return (a, b);
    }

    private async Task<TestPne[]> Members1Async()
    {
        var (a, b) = await PairAsync();
        return [a, b];
    }
}
