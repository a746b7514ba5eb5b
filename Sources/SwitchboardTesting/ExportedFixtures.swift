// The fixture loader, runner and maker live in SwitchboardFixtures (the shipped binary links
// them for `switchboard fixture`); the test kit hands them on, so a test imports one module.
@_exported import SwitchboardFixtures
