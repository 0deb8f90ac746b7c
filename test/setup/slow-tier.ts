// Integration and e2e tests start databases and processes; a minute or two is their normal scale.
jest.setTimeout(120_000);
