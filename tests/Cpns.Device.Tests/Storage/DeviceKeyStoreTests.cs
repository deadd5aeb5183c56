using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Cpns.Crypto;
using Cpns.Device.Storage;
using Cpns.Device.Tests.Support;

namespace Cpns.Device.Tests.Storage;

public sealed class DeviceKeyStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DeviceKey _deviceKey = DeviceKey.Import(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private readonly ManualTimeProvider _clock = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string StorePath => _dir.File("pne.store");

    public void Dispose()
    {
        _deviceKey.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task OpenAsync_AfterChanges_RoundTripsEverything()
    {
        using var kms = KeyMaterialSet.Create(4);
        using var gk = GroupKey.Create("g1", 3);
        using (var store = await CreateAsync())
        {
            using var euKey = WrappingKey.Create();
            await store.SetPairingAsync("pn-1", "gw-1", euKey, Ct);
            using var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(kms, 5);
            await store.SetGkdkAsync(gkdk, Ct);
            Assert.Equal(GroupKeyAcceptance.Stored, await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct));
            using var other = GroupKey.Create("g2", 1);
            await store.AcceptGroupKeyAsync(other, cancellationToken: Ct);
            await store.DeleteGroupKeyAsync("g2", 1, Ct);
        }

        using var reopened = await DeviceKeyStore.OpenAsync(StorePath, _deviceKey, "pne-1", cancellationToken: Ct);

        Assert.Equal("pne-1", reopened.PneId);
        Assert.Equal("pn-1", reopened.PnId);
        Assert.Equal("gw-1", reopened.GatewayId);
        Assert.Equal(5, reopened.Leaf);
        Assert.True(reopened.IsPaired);
        var groups = await reopened.GetGroupsAsync(Ct);
        Assert.Equal(new GroupKeyInfo("g1", GroupKeyStatus.Active, 3, 3, 0, 0), groups[0]);
        Assert.Equal(new GroupKeyInfo("g2", GroupKeyStatus.Deleted, 0, 1, 1, 0), groups[1]);
        var key = await reopened.ReadAsync(s => s.Groups["g1"].Current!.KeyEquals(gk), Ct);
        Assert.True(key);
    }

    [Fact]
    public async Task UpdateAsync_ManyWritesGrowingState_OneWriteBufferWipedAfterEachAndStoreRoundTrips()
    {
        using var kms = KeyMaterialSet.Create(4);
        using var store = await CreateAsync();
        using var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(kms, 5);
        await store.SetGkdkAsync(gkdk, Ct);
        var buffers = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        var keys = new List<GroupKey>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                var key = GroupKey.Create($"group-{i % 20}", (ulong)(1 + (i / 20)));
                keys.Add(key);
                Assert.Equal(GroupKeyAcceptance.Stored, await store.AcceptGroupKeyAsync(key, cancellationToken: Ct));

                // The GKDK and every Group Key went through this array; none of their bytes may stay in it.
                Assert.True(MemoryMarshal.TryGetArray(store.WriteBuffer, out var segment));
                Assert.True(segment.Array!.Length > 0);
                Assert.All(segment.Array, b => Assert.Equal(0, b));
                buffers.Add(segment.Array);
            }

            // Twenty groups grow the state about tenfold; the array is reallocated only as it grows, not per write.
            Assert.InRange(buffers.Count, 2, 10);
            using var reopened = await DeviceKeyStore.OpenAsync(StorePath, _deviceKey, "pne-1", cancellationToken: Ct);
            var groups = await reopened.GetGroupsAsync(Ct);
            Assert.Equal(20, groups.Count);
            Assert.All(groups, g => Assert.Equal(2ul, g.Epoch));
            Assert.True(await reopened.ReadAsync(s => s.Groups["group-7"].Current!.KeyEquals(keys[27]) && s.Gkdk!.Leaf == 5, Ct));
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public async Task UpdateAsync_StateShrinksAfterGrowing_FileHoldsOnlyTheLastStateAndReopens()
    {
        using var store = await CreateAsync();
        var keys = Enumerable.Range(0, 20).Select(i => GroupKey.Create($"group-{i}", 1)).ToList();
        try
        {
            foreach (var key in keys)
            {
                await store.AcceptGroupKeyAsync(key, cancellationToken: Ct);
            }

            var largest = new FileInfo(StorePath).Length;
            for (var i = 1; i < keys.Count; i++)
            {
                Assert.Equal(GroupKeyDeleteStatus.Deleted, await store.DeleteGroupKeyAsync($"group-{i}", 1, Ct));
            }

            // The file is written from a buffer kept at least at its largest size: only the last state's bytes may reach
            // the disk (the deletions stay recorded, so the state shrinks by less than the keys).
            Assert.InRange(new FileInfo(StorePath).Length, 1, largest - 1);
            using var reopened = await DeviceKeyStore.OpenAsync(StorePath, _deviceKey, "pne-1", cancellationToken: Ct);
            var groups = await reopened.GetGroupsAsync(Ct);
            Assert.Equal(20, groups.Count);
            Assert.Equal("group-0", Assert.Single(groups, g => g.Status == GroupKeyStatus.Active).GroupId);
            Assert.True(await reopened.ReadAsync(s => s.Groups["group-0"].Current!.KeyEquals(keys[0]), Ct));
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public async Task UpdateAsync_CrashBetweenWriteAndRename_PreviousStoreIntactAndReadable()
    {
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        var store = await CreateAsync();
        await store.AcceptGroupKeyAsync(gk1, cancellationToken: Ct);
        var before = await File.ReadAllBytesAsync(StorePath, Ct);
        store.WriteHook = stage =>
        {
            if (stage == StoreWriteStage.TempFileWritten)
            {
                throw new SimulatedCrashException();
            }
        };

        await Assert.ThrowsAsync<SimulatedCrashException>(() => store.AcceptGroupKeyAsync(gk2, cancellationToken: Ct));

        // The crashed write left its temporary file; the store itself is byte for byte the old one.
        Assert.NotEmpty(Directory.GetFiles(_dir.Path, "pne.store.tmp-*"));
        Assert.Equal(before, await File.ReadAllBytesAsync(StorePath, Ct));
        // In memory the failed change was rolled back to what is on disk.
        Assert.Equal(1UL, (await store.GetGroupAsync("g", Ct))!.Epoch);
        store.Dispose();

        using var reopened = await DeviceKeyStore.OpenAsync(StorePath, _deviceKey, cancellationToken: Ct);
        Assert.Equal(1UL, (await reopened.GetGroupAsync("g", Ct))!.Epoch);
        Assert.Equal(GroupKeyAcceptance.Stored, await reopened.AcceptGroupKeyAsync(gk2, cancellationToken: Ct));

        // The first write of the reopened store cleared the crashed write's leftover.
        Assert.Empty(Directory.GetFiles(_dir.Path, "pne.store.tmp-*"));
    }

    [Fact]
    public async Task OpenAsync_BesideAWriteBetweenItsTempFileAndRename_ReaderLeavesTheWriteToFinish()
    {
        using var gk1 = GroupKey.Create("g", 1);
        var store = await CreateAsync();
        DeviceKeyStore? reader = null;
        store.WriteHook = stage =>
        {
            if (stage == StoreWriteStage.TempFileWritten)
            {
                // `cpns device status` opening the store while the running device writes it. The hook is synchronous by
                // design (it runs between two file operations), so the open is waited for here.
                reader = DeviceKeyStore.OpenAsync(StorePath, _deviceKey, cancellationToken: Ct).GetAwaiter().GetResult();
            }
        };

        Assert.Equal(GroupKeyAcceptance.Stored, await store.AcceptGroupKeyAsync(gk1, cancellationToken: Ct));

        Assert.NotNull(reader);
        reader.Dispose();
        store.Dispose();
        using var reopened = await DeviceKeyStore.OpenAsync(StorePath, _deviceKey, cancellationToken: Ct);
        Assert.Equal(1UL, (await reopened.GetGroupAsync("g", Ct))!.Epoch);
    }

    [Fact]
    public async Task UpdateAsync_CrashAfterRename_NewStoreReadable()
    {
        using var gk1 = GroupKey.Create("g", 1);
        var store = await CreateAsync();
        store.WriteHook = stage =>
        {
            if (stage == StoreWriteStage.Renamed)
            {
                throw new SimulatedCrashException();
            }
        };

        await Assert.ThrowsAsync<SimulatedCrashException>(() => store.AcceptGroupKeyAsync(gk1, cancellationToken: Ct));
        store.Dispose();

        using var reopened = await DeviceKeyStore.OpenAsync(StorePath, _deviceKey, cancellationToken: Ct);
        Assert.Equal(1UL, (await reopened.GetGroupAsync("g", Ct))!.Epoch);
    }

    [Fact]
    public async Task OpenAsync_AnyByteFlipped_ClearErrorNeverGarbage()
    {
        using (var store = await CreateAsync())
        {
            using var gk = GroupKey.Create("g", 7);
            await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct);
        }

        var original = await File.ReadAllBytesAsync(StorePath, Ct);
        var tampered = _dir.File("tampered.store");
        for (var i = 0; i < original.Length; i++)
        {
            var copy = (byte[])original.Clone();
            copy[i] ^= 0x01;
            await File.WriteAllBytesAsync(tampered, copy, Ct);

            var e = await Assert.ThrowsAsync<DeviceStoreException>(() => DeviceKeyStore.OpenAsync(tampered, _deviceKey, cancellationToken: Ct));

            // Bytes of the magic or version say "not a store"; every other byte fails authentication.
            Assert.True(
                e.Error is DeviceStoreError.AuthenticationFailed or DeviceStoreError.UnsupportedFormat,
                $"byte {i}: {e.Error}");
            if (i >= 9)
            {
                Assert.Equal(DeviceStoreError.AuthenticationFailed, e.Error);
                Assert.Contains("failed authentication: tampered or wrong device key", e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task OpenAsync_WrongDeviceKey_AuthenticationFailed()
    {
        (await CreateAsync()).Dispose();
        using var wrong = DeviceKey.Import(new byte[32]);

        var e = await Assert.ThrowsAsync<DeviceStoreException>(() => DeviceKeyStore.OpenAsync(StorePath, wrong, cancellationToken: Ct));

        Assert.Equal(DeviceStoreError.AuthenticationFailed, e.Error);
        Assert.Equal($"The key store '{StorePath}' failed authentication: tampered or wrong device key.", e.Message);
    }

    [Fact]
    public async Task OpenAsync_OtherDevicesStore_WrongDevice()
    {
        (await CreateAsync()).Dispose();

        var e = await Assert.ThrowsAsync<DeviceStoreException>(() => DeviceKeyStore.OpenAsync(StorePath, _deviceKey, "pne-2", cancellationToken: Ct));

        Assert.Equal(DeviceStoreError.WrongDevice, e.Error);
    }

    [Fact]
    public async Task OpenAsync_NotAStore_UnsupportedFormat()
    {
        await File.WriteAllTextAsync(StorePath, "hello, this is not a key store", Ct);

        var e = await Assert.ThrowsAsync<DeviceStoreException>(() => DeviceKeyStore.OpenAsync(StorePath, _deviceKey, cancellationToken: Ct));

        Assert.Equal(DeviceStoreError.UnsupportedFormat, e.Error);
    }

    [Fact]
    public async Task CreateAsync_StoreExists_AlreadyExists()
    {
        (await CreateAsync()).Dispose();

        var e = await Assert.ThrowsAsync<DeviceStoreException>(CreateAsync);

        Assert.Equal(DeviceStoreError.AlreadyExists, e.Error);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task CreateAsync_NewStore_FileIsOwnerOnly()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        (await CreateAsync()).Dispose();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StorePath));
    }

    [Fact]
    public async Task AcceptGroupKeyAsync_OlderEpoch_RollbackRefused()
    {
        using var store = await CreateAsync();
        using var gk5 = GroupKey.Create("g", 5);
        using var gk4 = GroupKey.Create("g", 4);
        await store.AcceptGroupKeyAsync(gk5, cancellationToken: Ct);

        Assert.Equal(GroupKeyAcceptance.Rollback, await store.AcceptGroupKeyAsync(gk4, cancellationToken: Ct));
        Assert.True(await store.ReadAsync(s => s.Groups["g"].Current!.KeyEquals(gk5), Ct));
    }

    [Fact]
    public async Task AcceptGroupKeyAsync_SameEpoch_DuplicateKeepsStoredKey()
    {
        using var store = await CreateAsync();
        using var gk = GroupKey.Create("g", 2);
        using var forged = GroupKey.Create("g", 2);
        await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct);

        Assert.Equal(GroupKeyAcceptance.Duplicate, await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct));
        Assert.Equal(GroupKeyAcceptance.Duplicate, await store.AcceptGroupKeyAsync(forged, cancellationToken: Ct));
        Assert.True(await store.ReadAsync(s => s.Groups["g"].Current!.KeyEquals(gk), Ct));
    }

    [Fact]
    public async Task AcceptGroupKeyAsync_DeletedGroupOldEpochAgain_RefusedEvenAfterReopen()
    {
        using var gk = GroupKey.Create("g", 3);
        using (var store = await CreateAsync())
        {
            await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct);
            Assert.Equal(GroupKeyDeleteStatus.Deleted, await store.DeleteGroupKeyAsync("g", 3, Ct));
            Assert.Equal(GroupKeyAcceptance.Rollback, await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct));
        }

        using var reopened = await DeviceKeyStore.OpenAsync(StorePath, _deviceKey, cancellationToken: Ct);
        using var older = GroupKey.Create("g", 2);
        Assert.Equal(GroupKeyAcceptance.Rollback, await reopened.AcceptGroupKeyAsync(gk, cancellationToken: Ct));
        Assert.Equal(GroupKeyAcceptance.Rollback, await reopened.AcceptGroupKeyAsync(older, cancellationToken: Ct));
        var info = await reopened.GetGroupAsync("g", Ct);
        Assert.Equal(GroupKeyStatus.Deleted, info!.Status);
        Assert.Equal(3UL, info.DeletedAtEpoch);

        // Rejoining later is a newer epoch, which is accepted.
        using var newer = GroupKey.Create("g", 4);
        Assert.Equal(GroupKeyAcceptance.Stored, await reopened.AcceptGroupKeyAsync(newer, cancellationToken: Ct));
    }

    [Fact]
    public async Task DeleteGroupKeyAsync_Cases_SpecificStatus()
    {
        using var store = await CreateAsync();
        using var gk = GroupKey.Create("g", 5);
        await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct);

        Assert.Equal(GroupKeyDeleteStatus.UnknownGroup, await store.DeleteGroupKeyAsync("nope", 2, Ct));
        Assert.Equal(GroupKeyDeleteStatus.Stale, await store.DeleteGroupKeyAsync("g", 4, Ct));
        Assert.Equal(GroupKeyStatus.Active, (await store.GetGroupAsync("g", Ct))!.Status);
        Assert.Equal(GroupKeyDeleteStatus.Deleted, await store.DeleteGroupKeyAsync("g", 5, Ct));
        Assert.Equal(GroupKeyDeleteStatus.Deleted, await store.DeleteGroupKeyAsync("g", 5, Ct));

        // The unknown group's deletion is remembered: its epoch 2 can no longer arrive.
        using var late = GroupKey.Create("nope", 2);
        Assert.Equal(GroupKeyAcceptance.Rollback, await store.AcceptGroupKeyAsync(late, cancellationToken: Ct));
    }

    [Fact]
    public async Task StoreFile_ScannedForKeys_NoSecretInClear()
    {
        using var kms = KeyMaterialSet.Create(4);
        using var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(kms, 3);
        using var euKey = WrappingKey.Create();
        var keys = new List<byte[]>();
        using (var store = await CreateAsync())
        {
            await store.SetPairingAsync("pn", "gw", euKey, Ct);
            await store.SetGkdkAsync(gkdk, Ct);
            for (ulong e = 1; e <= 3; e++)
            {
                using var gk = GroupKey.Create("g" + e, e);
                var bytes = new byte[32];
                gk.ExportKey(bytes);
                keys.Add(bytes);
                await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct);
            }
        }

        var eu = new byte[32];
        euKey.Export(eu);
        keys.Add(eu);
        var gkdkBytes = gkdk.Export();
        for (var offset = 9; offset + 32 <= gkdkBytes.Length; offset += 32)
        {
            keys.Add(gkdkBytes[offset..(offset + 32)]);
        }

        var file = await File.ReadAllBytesAsync(StorePath, Ct);
        foreach (var key in keys)
        {
            // Any 8-byte window of a key appearing in the file would be a leak.
            for (var i = 0; i + 8 <= key.Length; i += 8)
            {
                Assert.Equal(-1, file.AsSpan().IndexOf(key.AsSpan(i, 8)));
            }
        }
    }

    [Fact]
    public async Task AcceptGroupKeyAsync_RoutineRotation_PreviousKeptForGracePeriodOnly()
    {
        using var store = await CreateAsync();
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        await store.AcceptGroupKeyAsync(gk1, GroupKeyUpdateReason.Created, Ct);
        await store.AcceptGroupKeyAsync(gk2, GroupKeyUpdateReason.Periodic, Ct);

        Assert.Equal(1UL, (await store.GetGroupAsync("g", Ct))!.GraceEpoch);
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(KeyLookup.Superseded, await store.LookupReceiveKeyAsync("g", 1, "x", new byte[32], Ct));
        Assert.Equal(0UL, (await store.GetGroupAsync("g", Ct))!.GraceEpoch);
    }

    [Theory]
    [InlineData(GroupKeyUpdateReason.MemberCompromised)]
    [InlineData(GroupKeyUpdateReason.MemberLeft)]
    [InlineData(GroupKeyUpdateReason.Unspecified)]
    public async Task AcceptGroupKeyAsync_SecurityUpdate_PreviousWipedAtOnce(GroupKeyUpdateReason reason)
    {
        using var store = await CreateAsync();
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        await store.AcceptGroupKeyAsync(gk1, GroupKeyUpdateReason.Created, Ct);
        await store.AcceptGroupKeyAsync(gk2, reason, Ct);

        Assert.Equal(0UL, (await store.GetGroupAsync("g", Ct))!.GraceEpoch);
        Assert.Equal(KeyLookup.Superseded, await store.LookupReceiveKeyAsync("g", 1, "x", new byte[32], Ct));
    }

    [Fact]
    public async Task ReserveSendAsync_AcrossCrashAndReopen_NeverReusesACounter()
    {
        using var gk = GroupKey.Create("g", 1);
        var options = new DeviceKeyStoreOptions { CounterReservation = 4, TimeProvider = _clock };
        var used = new List<ulong>();
        using (var store = await DeviceKeyStore.CreateAsync(StorePath, _deviceKey, "pne-1", options, Ct))
        {
            await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct);
            for (var i = 0; i < 6; i++)
            {
                used.Add((await store.ReserveSendAsync("g", new byte[32], Ct)).Counter);
            }
        }

        // Reopening is what a crash looks like: the in-memory counter is lost.
        using (var store = await DeviceKeyStore.OpenAsync(StorePath, _deviceKey, options: options, cancellationToken: Ct))
        {
            used.Add((await store.ReserveSendAsync("g", new byte[32], Ct)).Counter);
        }

        Assert.Equal([1UL, 2, 3, 4, 5, 6, 9], used);
    }

    [Fact]
    public async Task ToString_NoKeyBytes()
    {
        using var store = await CreateAsync();
        using var gk = GroupKey.Import("g", 1, Enumerable.Repeat((byte)0x5A, 32).ToArray());
        await store.AcceptGroupKeyAsync(gk, cancellationToken: Ct);

        var text = store.ToString() + string.Join(",", await store.GetGroupsAsync(Ct));

        Assert.DoesNotContain("5A5A", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("WlpaWlpa", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptGroupKeyAsync_ConcurrentCallers_EveryEpochDecidedOnce()
    {
        using var store = await CreateAsync();
        var keys = Enumerable.Range(1, 20).Select(e => GroupKey.Create("g", (ulong)e)).ToArray();
        try
        {
            var results = await Task.WhenAll(keys.Concat(keys).Select(k => Task.Run(() => store.AcceptGroupKeyAsync(k, cancellationToken: Ct), Ct)));

            Assert.Equal(20UL, (await store.GetGroupAsync("g", Ct))!.Epoch);
            Assert.InRange(results.Count(r => r == GroupKeyAcceptance.Stored), 1, 20);
        }
        finally
        {
            foreach (var k in keys)
            {
                k.Dispose();
            }
        }
    }

    private Task<DeviceKeyStore> CreateAsync() =>
        DeviceKeyStore.CreateAsync(StorePath, _deviceKey, "pne-1", new DeviceKeyStoreOptions { TimeProvider = _clock }, Ct);
}
