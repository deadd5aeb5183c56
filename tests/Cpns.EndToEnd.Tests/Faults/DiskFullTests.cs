using System.Security.Cryptography;
using Cpns.Cli.Demo;
using Cpns.Device.Client;
using Cpns.Device.Storage;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// Disk full on a device store write (issue 8, Faults). The PNE's data directory is a 256 KiB tmpfs
/// (<see cref="SmallFileSystem"/>: a real file system, so the write really fails with ENOSPC, not a simulated error);
/// the test fills it, rotates a group the PNE is a member of, and checks that the store the device is left with is
/// byte for byte the previous one and still opens with the previous epoch; then frees the space and checks that the
/// device takes the next epoch.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class DiskFullTests
{
    [Fact]
    public async Task DiskFullOnStoreWrite_PreviousStoreIntactAndReadable_DeviceRecoversWhenSpaceIsFreed()
    {
        var data = FaultBed.NewDataDirectory("disk-full");
        await using var disk = await SmallFileSystem.MountOrSkipAsync(data + "-pne", kilobytes: 256);
        var options = new DemoSystemOptions { DataDirectory = data, Pns = 1, PnesPerPn = 2, Timeout = TimeSpan.FromSeconds(120) };
        const string FullPne = "pn-1-pne-1";

        // The first PNE's data directory lives on the small file system (a link, so deleting the bed's directory never crosses into the mount).
        await using var bed = await FaultBed.StartAsync(options, _ =>
        {
            Directory.CreateDirectory(Path.Combine(data, "devices"));
            Directory.CreateSymbolicLink(Path.Combine(data, "devices", FullPne), disk.Path);
            return Task.CompletedTask;
        });
        var full = bed.System.Pnes.Single(p => p.PneId == FullPne);
        var storePath = Path.Combine(data, "devices", FullPne, DeviceClient.StoreFileName);

        await bed.CreateGroupsAsync(3, _ => bed.System.Pnes);
        var group = bed.Groups[0].Id;
        var before = new Dictionary<string, long> { [group] = await bed.Api.RotateAsync(group, FaultBed.Ct) };
        await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(60), before);
        var intact = await File.ReadAllBytesAsync(storePath, FaultBed.Ct);

        var filled = disk.Fill();
        bed.Log($"file system full ({filled} bytes of filler)");
        var next = await bed.Api.RotateAsync(group, FaultBed.Ct);
        Assert.Equal(before[group] + 1, next);

        // The other member takes the epoch; the full one tries, fails to write, and keeps the previous store.
        var other = bed.System.Pnes.Single(p => p.PneId != FullPne);
        await Support.Eventually.TrueAsync(async () => await other.ActiveEpochAsync(group, FaultBed.Ct) == (ulong)next, "the other member to hold the new epoch", 60);
        var devicesLog = Path.Combine(data, "logs", "devices.log");
        await Support.Eventually.TrueAsync(
            () => Task.FromResult(File.ReadLines(devicesLog).Any(l => l.Contains($"{FullPne}/device.store' failed; the previous store is intact", StringComparison.Ordinal))),
            "the full device to report that its store write failed",
            60);

        Assert.Equal(SHA256.HashData(intact), SHA256.HashData(await File.ReadAllBytesAsync(storePath, FaultBed.Ct)));
        Assert.Equal(["device.key", "device.store", "filler"], Directory.EnumerateFileSystemEntries(disk.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal((ulong)before[group], await full.ActiveEpochAsync(group, FaultBed.Ct));
        await using (var reopened = await DeviceClient.OpenAsync(new DeviceClientOptions { DataDirectory = Path.Combine(data, "devices", FullPne) }, cancellationToken: FaultBed.Ct))
        {
            Assert.True(reopened.Store.HasGkdk);
            var held = await reopened.Store.GetGroupAsync(group, FaultBed.Ct);
            Assert.Equal((GroupKeyStatus.Active, (ulong)before[group]), (held?.Status, held?.Epoch));
            foreach (var g in bed.Groups.Skip(1))
            {
                Assert.Equal(GroupKeyStatus.Active, (await reopened.Store.GetGroupAsync(g.Id, FaultBed.Ct))?.Status);
            }
        }

        bed.Log("the previous store is intact and opens with the previous epoch");

        // Space again: the device takes the next epoch.
        disk.Free();
        var recovered = new Dictionary<string, long> { [group] = await bed.Api.RotateAsync(group, FaultBed.Ct) };
        await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(60), recovered);
    }
}
