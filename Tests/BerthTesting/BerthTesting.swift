/// BerthTesting: BerthHarness plus what needs Swift Testing. A test file imports this one
/// module and gets both.
@_exported import BerthHarness
