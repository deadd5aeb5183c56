namespace Cpns.Device.Storage;

/// <summary>Points of an atomic store write where tests inject a crash.</summary>
internal enum StoreWriteStage
{
    /// <summary>The temporary file is written and flushed to disk; the rename has not happened.</summary>
    TempFileWritten = 1,

    /// <summary>The rename is done; the directory has not been flushed.</summary>
    Renamed = 2,
}
