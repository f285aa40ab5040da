module.exports = { service: 'js' };
