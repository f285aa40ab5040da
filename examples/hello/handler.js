'use strict';

module.exports.hello = async (event, context) => {
  console.log('invoked with', JSON.stringify(event));
  return {
    message: `${process.env.GREETING}, ${event.name || 'world'}!`,
    stage: process.env.STAGE,
    function: context.functionName,
  };
};
